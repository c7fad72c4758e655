import { describe, expect, it } from 'vitest';
import { makeTask, taskJob } from '../../../test/support/plan-builders.ts';
import type { TaskView } from './classify.ts';
import { currentRound, summarizeTasks } from './summary.ts';
import type { TaskState } from './task-jobs.ts';

describe('currentRound', () => {
  const rounds = [1, 1, 2, 2, 3, undefined];
  const views = (states: TaskState[]): Array<Pick<TaskView, 'state'>> => states.map((state) => ({ state }));

  it.each([
    { name: 'round 1 under way', states: ['running', 'pending', 'pending', 'pending', 'pending', 'succeeded'], want: 1 },
    { name: 'round 1 done, round 2 queued', states: ['succeeded', 'succeeded', 'queued', 'pending', 'pending', 'pending'], want: 2 },
    { name: 'a straggler of round 1 holds the round', states: ['succeeded', 'running', 'succeeded', 'running', 'pending', 'pending'], want: 1 },
    { name: 'all done', states: ['succeeded', 'failed', 'canceled', 'canceled', 'canceled', 'pending'], want: 3 },
  ] satisfies Array<{ name: string; states: TaskState[]; want: number }>)('$name → $want', ({ states, want }) => {
    expect(currentRound(rounds.map((round) => ({ round })), views(states))).toBe(want);
  });

  it('is unset for tasks without rounds', () => {
    expect(currentRound([{}, {}], views(['running', 'pending']))).toBeUndefined();
  });
});

describe('summarizeTasks', () => {
  it('counts tasks, collects what is missing once, and names failures with their reasons', () => {
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((n) => makeTask(n).obj());
    const views: TaskView[] = [
      { state: 'failed', job: taskJob('a').failed('OOMKilled').obj() },
      { state: 'failed', readiness: { kind: 'failed', reason: 'Unauthorized', message: 'no' } },
      { state: 'pending', readiness: { kind: 'waiting', missing: ['dataset org-a/x', 'algo org-a/y'] } },
      { state: 'pending', readiness: { kind: 'waiting', missing: ['dataset org-a/x'] } },
      { state: 'pending', readiness: { kind: 'waiting', missing: [] } },
    ];
    const summary = summarizeTasks(tasks, views);
    expect(summary).toMatchObject({
      counts: { total: 5, failed: 2, pending: 3, queued: 0 },
      missing: ['dataset org-a/x', 'algo org-a/y'],
      waitingOnMissing: 2,
      failed: ['a (OOMKilled)', 'b (Unauthorized)'],
      refusal: { reason: 'Unauthorized', message: 'no' },
    });
  });
});
