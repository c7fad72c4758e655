import { describe, expect, it } from 'vitest';
import type { ComputePlanStatus } from '../../api/computeplan.ts';
import { isProgressOnly, progressWriteIntervalMs, statusPace } from './status-pace.ts';

function running(done: number, total = 10): ComputePlanStatus {
  const status: ComputePlanStatus = {
    phase: 'Running',
    progress: `${done}/${total}`,
    counts: { total, pending: 0, queued: 0, running: total - done, succeeded: done, failed: 0, canceled: 0 },
    conditions: [
      { type: 'Ready', status: 'False', reason: 'Running', message: `${total - done} running, 0 queued, ${done}/${total} done`, lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 },
    ],
    observedGeneration: 1,
  };
  return status;
}

describe('isProgressOnly', () => {
  it('is true when only the counts, the progress and the condition messages moved', () => {
    expect(isProgressOnly(running(3), running(4))).toBe(true);
  });

  it('is false when the phase, a condition state or anything the plan keeps changed', () => {
    expect(isProgressOnly(running(3), { ...running(4), phase: 'Succeeded' })).toBe(false);
    const flipped = running(4);
    flipped.conditions = [{ ...flipped.conditions![0]!, status: 'True', reason: 'Succeeded' }];
    expect(isProgressOnly(running(3), flipped)).toBe(false);
    expect(isProgressOnly(running(3), { ...running(4), best: 'accuracy=0.9 (t3)' })).toBe(false);
    expect(isProgressOnly(running(3), { ...running(4), retryTokens: ['r1'] })).toBe(false);
    expect(isProgressOnly(running(3), { ...running(3), conditions: [] })).toBe(false);
  });
});

describe('statusPace', () => {
  const last = Date.parse('2026-01-01T00:00:10Z');

  it('writes the first status, and any change beyond progress, at once', () => {
    expect(statusPace(undefined, running(0), undefined, last)).toEqual({ write: 'now' });
    expect(statusPace(running(3), { ...running(4), phase: 'Failed' }, last, last + 1)).toEqual({ write: 'now' });
  });

  it('holds a progress-only change until the interval since the last write has passed', () => {
    expect(statusPace(running(3), running(4), last, last + 200)).toEqual({ write: 'later', waitMs: progressWriteIntervalMs - 200 });
    expect(statusPace(running(3), running(4), last, last + progressWriteIntervalMs)).toEqual({ write: 'now' });
  });

  it('writes a progress-only change at once when this replica has not written the plan yet (a restart)', () => {
    expect(statusPace(running(3), running(4), undefined, last)).toEqual({ write: 'now' });
  });
});
