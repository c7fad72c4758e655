import { describe, expect, it } from 'vitest';
import type { TesseraJobStatus } from '../../api/job.ts';
import { eventForTransition } from './events.ts';

const status = (phase: TesseraJobStatus['phase'], reason: string): TesseraJobStatus => ({ phase, reason, message: `${phase}/${reason}` });

describe('eventForTransition', () => {
  it.each([
    { name: 'first Running: none', before: undefined, after: status('Running', 'Running'), want: undefined },
    { name: 'Succeeded: none (the batch Job records it)', before: status('Running', 'Running'), after: status('Succeeded', 'Completed'), want: undefined },
    { name: 'Unschedulable: a Warning', before: undefined, after: status('Pending', 'Unschedulable'), want: { type: 'Warning', reason: 'Unschedulable' } },
    { name: 'OOMKilled: a Warning', before: status('Running', 'Running'), after: status('Failed', 'OOMKilled'), want: { type: 'Warning', reason: 'OOMKilled' } },
    { name: 'Unauthorized: a Warning', before: undefined, after: status('Failed', 'Unauthorized'), want: { type: 'Warning', reason: 'Unauthorized' } },
    { name: 'CodeNotApproved: a Warning', before: undefined, after: status('Failed', 'CodeNotApproved'), want: { type: 'Warning', reason: 'CodeNotApproved' } },
    { name: 'Canceled: a Normal event', before: status('Running', 'Canceling'), after: status('Canceled', 'Canceled'), want: { type: 'Normal', reason: 'Canceled' } },
    { name: 'no change: none', before: status('Pending', 'Unschedulable'), after: status('Pending', 'Unschedulable'), want: undefined },
  ])('$name', ({ before, after, want }) => {
    const event = eventForTransition(before, after);
    if (want) expect(event).toMatchObject({ ...want, note: after.message });
    else expect(event).toBeUndefined();
  });
});
