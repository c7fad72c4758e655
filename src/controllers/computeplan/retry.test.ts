import { describe, expect, it } from 'vitest';
import { makePlan, makeTask, taskJob, type PlanBuilder, type TaskJobBuilder } from '../../../test/support/plan-builders.ts';
import { retryStep, retryTokenOf } from './retry.ts';

const plan = (): PlanBuilder => makePlan().task(makeTask('a'));
const tasksOf = (jobs: ReturnType<typeof retryStep>['deletions']): string[] => jobs.map((j) => j.metadata.labels!['tessera.dev/task']!);

describe('retryTokenOf', () => {
  it.each([
    { annotation: undefined, want: undefined },
    { annotation: '2026-01-01T00:00:00Z', want: '2026-01-01T00:00:00Z' },
    { annotation: 'x'.repeat(253), want: 'x'.repeat(253) },
    { annotation: 'x'.repeat(254), want: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown },
  ])('$annotation → kept or hashed', ({ annotation, want }) => {
    expect(retryTokenOf(annotation)).toEqual(want);
  });
});

describe('retryStep', () => {
  it.each([
    { name: 'no annotation', plan: plan(), jobs: [taskJob('a').failed()], want: { token: '', appliedRetry: undefined, pending: false, remaining: 0 }, wantDeleted: [] },
    {
      name: 'an annotation already applied',
      plan: plan().retry('r1').status({ appliedRetry: 'r1' }),
      jobs: [taskJob('a').failed()],
      want: { token: 'r1', appliedRetry: 'r1', pending: false },
      wantDeleted: [],
    },
    {
      name: 'a new annotation with failed, canceled and canceling Jobs',
      plan: plan().retry('r1'),
      jobs: [taskJob('a').failed(), taskJob('b').canceled(), taskJob('c').running().cancelRequested(), taskJob('d').succeeded(), taskJob('e').running()],
      want: { token: '', appliedRetry: undefined, pending: true, remaining: 3 },
      wantDeleted: ['a', 'b', 'c'],
    },
    {
      name: 'a new annotation whose Jobs are being deleted',
      plan: plan().retry('r2').status({ appliedRetry: 'r1' }),
      jobs: [taskJob('a').failed().deleting()],
      want: { token: 'r1', appliedRetry: 'r1', pending: true, remaining: 1 },
      wantDeleted: [],
    },
    {
      name: 'a new annotation once nothing is left to delete',
      plan: plan().retry('r2').status({ appliedRetry: 'r1' }),
      jobs: [taskJob('d').succeeded(), taskJob('e').running()],
      want: { token: 'r2', appliedRetry: 'r2', pending: false },
      wantDeleted: [],
    },
    {
      name: 'a new annotation on a canceled plan (the record of the cancel stays)',
      plan: plan().retry('r1').spec({ cancel: true }),
      jobs: [taskJob('a').canceled()],
      want: { token: '', pending: false },
      wantDeleted: [],
    },
  ] satisfies Array<{ name: string; plan: PlanBuilder; jobs: TaskJobBuilder[]; want: object; wantDeleted: string[] }>)('$name', ({ plan: p, jobs, want, wantDeleted }) => {
    const step = retryStep(p.obj(), jobs.map((j) => j.obj()));
    expect(step).toMatchObject(want);
    expect(tasksOf(step.deletions)).toEqual(wantDeleted);
  });
});
