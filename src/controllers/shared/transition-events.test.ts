import { describe, expect, it } from 'vitest';
import type { Condition } from '../../api/common.ts';
import { conditionEvent } from './transition-events.ts';

const at = '2026-01-01T00:00:00.000Z';
const c = (type: string, status: 'True' | 'False', reason: string): Condition => ({ type, status, reason, message: `${type} ${reason}`, lastTransitionTime: at });
const types = { good: 'Ready', bad: 'Failed' };

describe('conditionEvent', () => {
  it.each([
    { name: 'first Ready: Normal', before: undefined, after: [c('Ready', 'True', 'Indexed')], want: { type: 'Normal', reason: 'Indexed' } },
    { name: 'Ready again with the same reason: none', before: [c('Ready', 'True', 'Indexed')], after: [c('Ready', 'True', 'Indexed')], want: undefined },
    { name: 'not Ready while importing: none (progress)', before: undefined, after: [c('Ready', 'False', 'Importing')], want: undefined },
    { name: 'not Ready for a problem: Warning', before: [c('Ready', 'False', 'Importing')], after: [c('Ready', 'False', 'ImportFailed')], want: { type: 'Warning', reason: 'ImportFailed' } },
    { name: 'Failed turning True: Warning', before: [c('Failed', 'False', 'Running')], after: [c('Failed', 'True', 'TaskFailed')], want: { type: 'Warning', reason: 'TaskFailed' } },
    { name: 'still Failed: none', before: [c('Failed', 'True', 'TaskFailed')], after: [c('Failed', 'True', 'TaskFailed')], want: undefined },
  ])('$name', ({ before, after, want }) => {
    const event = conditionEvent(before, after, types);
    if (want) expect(event).toMatchObject(want);
    else expect(event).toBeUndefined();
  });
});
