import { describe, expect, it } from 'vitest';
import type { ComputePlanSpec } from '../../api/computeplan.ts';
import { makeTask } from '../../../test/support/plan-builders.ts';
import { validPlanTasks } from './validation.ts';

const fedAvg = (rounds: number, trainers: number): NonNullable<ComputePlanSpec['strategy']> => ({
  fedAvg: {
    rounds,
    trainers: Array.from({ length: trainers }, (_, i) => ({ namespace: `org-${i}`, datasetRef: { name: 'd' } })),
    trainAlgo: { name: 'train' },
    aggregateAlgo: { name: 'avg' },
  },
});

describe('validPlanTasks', () => {
  it.each([
    { name: 'written-out tasks', spec: { tasks: [makeTask('a').obj()] }, wantTasks: 1 },
    { name: 'a strategy', spec: { strategy: fedAvg(2, 2) }, wantTasks: 6 },
    { name: 'both, at the limit', spec: { tasks: Array.from({ length: 100 }, (_, i) => makeTask(`t${i}`).obj()), strategy: fedAvg(49, 99) }, wantTasks: 5000 },
  ])('takes $name', ({ spec, wantTasks }) => {
    const planned = validPlanTasks(spec);
    expect(planned.ok && planned.tasks.length).toBe(wantTasks);
  });

  it.each([
    { name: 'no tasks', spec: { strategy: {} }, wantMessage: /no tasks/ },
    { name: 'a strategy past the limit (never expanded)', spec: { strategy: fedAvg(1000, 100) }, wantMessage: /has 101000 tasks.*at most 5000/ },
    { name: 'a written-out task named like an expanded one', spec: { tasks: [makeTask('r2-aggregate').obj()], strategy: fedAvg(2, 1) }, wantMessage: /appear twice.*: r2-aggregate$/ },
  ])('refuses $name', ({ spec, wantMessage }) => {
    const planned = validPlanTasks(spec);
    expect(planned.ok).toBe(false);
    if (!planned.ok) expect(planned).toMatchObject({ reason: 'InvalidSpec', message: expect.stringMatching(wantMessage) as unknown });
  });
});

describe('validPlanTasks of a search', () => {
  const search = { algo: { name: 'train' }, datasetRef: { name: 'data' }, objective: { metric: 'accuracy', goal: 'maximize' as const }, algorithm: { random: {} }, budget: { maxTrials: 2 } };

  it('has no tasks before its first trials are recorded, and theirs after', () => {
    const spec = { strategy: { search: { ...search, space: { lr: { uniform: { min: 0, max: 1 } } } } } };
    expect(validPlanTasks(spec)).toEqual({ ok: true, tasks: [] });
    const planned = validPlanTasks(spec, [{ id: 't0', params: { lr: 0.5 } }]);
    expect(planned.ok && planned.tasks.map((t) => t.name)).toEqual(['t0-train']);
  });

  it('refuses what CEL cannot check of a search: a log range through zero, a choice of an object', () => {
    const log = validPlanTasks({ strategy: { search: { ...search, space: { lr: { logUniform: { min: 0, max: 1 } } } } } });
    expect(log).toMatchObject({ ok: false, reason: 'InvalidSpec', message: expect.stringMatching(/spec\.strategy\.search: space\.lr: logUniform needs 0 < min < max/) as unknown });
    const choice = validPlanTasks({ strategy: { search: { ...search, space: { opt: { choice: [{ a: 1 } as unknown as string] } } } } });
    expect(choice.ok).toBe(false);
  });
});
