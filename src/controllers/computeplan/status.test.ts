import { describe, expect, it } from 'vitest';
import type { TaskCounts } from '../../api/computeplan.ts';
import { makePlan } from '../../../test/support/plan-builders.ts';
import { planStatus, planVerdict, type PlanSituation } from './status.ts';
import type { TaskSummary } from './summary.ts';

const now = new Date('2026-01-01T01:00:00Z');

function summary(counts: Partial<TaskCounts>, fields: Partial<TaskSummary> = {}): TaskSummary {
  const full = { pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0, ...counts };
  const total = full.pending + full.queued + full.running + full.succeeded + full.failed + full.canceled;
  return { counts: { ...full, total }, missing: [], waitingOnMissing: 0, failed: [], failedWithoutJob: [], performances: [], ...fields };
}

const situation = (s: TaskSummary, fields: Partial<PlanSituation> = {}): PlanSituation => ({ summary: s, suspended: false, ...fields });

describe('planVerdict', () => {
  it.each([
    { name: 'nothing started', s: situation(summary({ pending: 3 })), wantPhase: 'Pending', wantReason: 'Pending' },
    { name: 'tasks running', s: situation(summary({ running: 1, queued: 1, succeeded: 1 })), wantPhase: 'Running', wantReason: 'Running', wantMessage: '1 running, 1 queued, 1/3 done' },
    { name: 'some done, the rest waiting', s: situation(summary({ succeeded: 1, pending: 1 })), wantPhase: 'Running', wantReason: 'Running' },
    { name: 'all succeeded', s: situation(summary({ succeeded: 2 })), wantPhase: 'Succeeded', wantReason: 'Succeeded' },
    { name: 'done with a failure', s: situation(summary({ succeeded: 1, failed: 1, canceled: 1 }, { failed: ['a (OOMKilled)'] })), wantPhase: 'Failed', wantReason: 'TaskFailed', wantMessage: /1 task failed: a \(OOMKilled\)/ },
    {
      name: 'done, refused by a Dataset',
      s: situation(summary({ failed: 1 }, { failed: ['t (Unauthorized)'], refusal: { reason: 'Unauthorized', message: 'task t: Dataset org-b/d does not authorize namespace org-a' } })),
      wantPhase: 'Failed',
      wantReason: 'Unauthorized',
      wantMessage: /does not authorize namespace org-a/,
    },
    { name: 'done with cancellations only', s: situation(summary({ succeeded: 1, canceled: 2 })), wantPhase: 'Canceled', wantReason: 'Canceled' },
    { name: 'FailFast canceling live Jobs', s: situation(summary({ failed: 1, running: 2 }, { failed: ['a (Failed)'] }), { stop: 'failedFast' }), wantPhase: 'Running', wantReason: 'TaskFailed', wantMessage: /canceling 2 Jobs \(FailFast\)/ },
    { name: 'spec.cancel with live Jobs', s: situation(summary({ running: 1, canceled: 2 }), { stop: 'canceled' }), wantPhase: 'Running', wantReason: 'Canceled' },
    { name: 'suspended, idle', s: situation(summary({ pending: 2, succeeded: 1 }), { suspended: true }), wantPhase: 'Suspended', wantReason: 'Suspended' },
    { name: 'suspended, a Job still running', s: situation(summary({ pending: 2, running: 1 }), { suspended: true }), wantPhase: 'Running', wantReason: 'Suspended' },
    { name: 'suspended but done', s: situation(summary({ succeeded: 2 }), { suspended: true }), wantPhase: 'Succeeded', wantReason: 'Succeeded' },
    { name: 'a retry clearing old Jobs of a failed plan', s: situation(summary({ failed: 1, canceled: 1 }), { retrying: 2 }), wantPhase: 'Running', wantReason: 'Retrying', wantMessage: /2 old Jobs/ },
    { name: 'a cycle', s: situation(summary({ pending: 2 }), { halt: { reason: 'CycleDetected', message: 'a -> b -> a' } }), wantPhase: 'Failed', wantReason: 'CycleDetected' },
  ])('$name → $wantPhase/$wantReason', ({ s, wantPhase, wantReason, wantMessage }) => {
    const verdict = planVerdict(s);
    expect(verdict).toMatchObject({ phase: wantPhase, reason: wantReason });
    if (wantMessage) expect(verdict.message).toMatch(wantMessage);
  });
});

describe('planStatus', () => {
  const byType = (status: ReturnType<typeof planStatus>): Record<string, string> => Object.fromEntries((status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));

  it.each([
    { name: 'running', s: situation(summary({ running: 1 })), want: { Ready: 'False/Running', Succeeded: 'False/Running', Failed: 'False/Running', Reconciling: 'True/Running', Stalled: 'False/Running' } },
    { name: 'succeeded', s: situation(summary({ succeeded: 1 })), want: { Ready: 'True/Succeeded', Succeeded: 'True/Succeeded', Failed: 'False/Succeeded', Reconciling: 'False/Succeeded', Stalled: 'False/Succeeded' } },
    {
      name: 'running with a missing Dataset',
      s: situation(summary({ running: 1, pending: 1 }, { missing: ['dataset org-a/d'], waitingOnMissing: 1 })),
      want: { Reconciling: 'True/Running', Stalled: 'True/DependencyNotFound' },
    },
    { name: 'a cycle', s: situation(summary({ pending: 2 }), { halt: { reason: 'CycleDetected', message: 'a -> b -> a' } }), want: { Failed: 'True/CycleDetected', Reconciling: 'False/CycleDetected', Stalled: 'True/CycleDetected' } },
    { name: 'suspended', s: situation(summary({ pending: 2 }), { suspended: true }), want: { Reconciling: 'False/Suspended', Stalled: 'False/Suspended' } },
  ])('sets the kstatus conditions of a plan $name', ({ s, want }) => {
    expect(byType(planStatus(makePlan().obj(), s, now))).toMatchObject(want);
  });

  it('reports progress, counts, round, the leaderboard and its best row, and the applied retry', () => {
    const performances = [{ task: 'r1-test-0', metric: 'accuracy', value: 0.5 }];
    const status = planStatus(makePlan().obj(), situation(summary({ succeeded: 1, running: 1 }, { round: 2, performances }), { appliedRetry: 'r1' }), now);
    expect(status).toMatchObject({ phase: 'Running', progress: '1/2', round: 2, counts: { total: 2, succeeded: 1, running: 1 }, performances, best: 'accuracy=0.5 (r1-test-0)', appliedRetry: 'r1', observedGeneration: 1 });
  });

  it('names what is missing, a bounded number of things', () => {
    const missing = Array.from({ length: 30 }, (_, i) => `dataset org-a/d${i}`);
    const status = planStatus(makePlan().obj(), situation(summary({ pending: 30 }, { missing, waitingOnMissing: 30 })), now);
    const stalled = status.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled?.message).toMatch(/^not found: dataset org-a\/d0, .*dataset org-a\/d9 and 20 more; 30 tasks wait for them/);
  });

  it('moves lastTransitionTime only when a condition flips', () => {
    const running = planStatus(makePlan().obj(), situation(summary({ running: 1 })), now);
    const later = new Date(now.getTime() + 60_000);
    const plan = makePlan().status(running).obj();
    const stillRunning = planStatus(plan, situation(summary({ running: 1 })), later);
    const done = planStatus(plan, situation(summary({ succeeded: 1 })), later);
    expect(stillRunning).toEqual(running);
    expect(done.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(later.toISOString());
    expect(done.conditions?.find((c) => c.type === 'Failed')?.lastTransitionTime).toBe(now.toISOString());
  });
});
