import { describe, expect, it } from 'vitest';
import { computePlanSpecSchema, computePlanStatusSchema } from './computeplan.ts';
import type { Search } from './search.ts';

const search = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  algo: { name: 'train' },
  datasetRef: { name: 'data' },
  space: { lr: { logUniform: { min: 0.0001, max: 0.1 } }, opt: { choice: ['adam', 'sgd', 1, true] } },
  objective: { metric: 'accuracy', goal: 'maximize' },
  algorithm: { random: { seed: 1 } },
  budget: { maxTrials: 10 },
  ...fields,
});
const spec = (fields: Record<string, unknown> = {}, planFields: Record<string, unknown> = {}): unknown => ({ strategy: { search: search(fields) }, ...planFields });
const messages = (value: unknown): string => computePlanSpecSchema.safeParse(value).error?.issues.map((i) => i.message).join('; ') ?? '';

describe('the search strategy', () => {
  it.each([
    { name: 'random search with typed choices', spec: spec() },
    { name: 'a grid with a test Algo and Dataset in another namespace', spec: spec({ algorithm: { grid: { points: 4 } }, testAlgo: { name: 'eval' }, namespace: 'org-b', testDatasetRef: { name: 'holdout' } }) },
    { name: 'ASHA with every budget', spec: spec({ algorithm: { asha: { minResource: 1, maxResource: 27, reductionFactor: 3, resource: 'rounds' } }, budget: { maxTrials: 200, maxSeconds: 3600, maxGPUs: 8 } }) },
  ])('accepts $name', ({ spec: value }) => {
    expect(messages(value)).toBe('');
  });

  it.each([
    { name: 'two algorithms', spec: spec({ algorithm: { random: {}, grid: {} } }), want: /exactly one algorithm/ },
    { name: 'a dimension of two kinds', spec: spec({ space: { lr: { uniform: { min: 0, max: 1 }, int: { min: 0, max: 1 } } } }), want: /exactly one of choice, int, uniform or logUniform/ },
    { name: 'an empty range', spec: spec({ space: { lr: { uniform: { min: 1, max: 1 } } } }), want: /min < max/ },
    { name: 'a log range through zero', spec: spec({ space: { lr: { logUniform: { min: 0, max: 1 } } } }), want: /0 < min < max/ },
    { name: 'names that clash as environment variables', spec: spec({ space: { lr: { choice: [1] }, LR: { choice: [2] } } }), want: /differ in more than case/ },
    { name: 'a name that is no variable name', spec: spec({ space: { 'learning-rate': { choice: [1] } } }), want: /Invalid key in record/ },
    { name: 'a choice of an object', spec: spec({ space: { opt: { choice: [{ a: 1 }] } } }), want: /a string .*, a number or a boolean/ },
    { name: 'more trials than a status holds', spec: spec({ budget: { maxTrials: 201 } }), want: /<=200/ },
    { name: "ASHA's resource in the space", spec: spec({ algorithm: { asha: { minResource: 1, maxResource: 9 } }, space: { epochs: { int: { min: 1, max: 9 } } } }), want: /resource parameter/ },
    { name: 'ASHA without room to halve', spec: spec({ algorithm: { asha: { minResource: 9, maxResource: 9 } } }), want: /minResource < maxResource/ },
    { name: 'written-out tasks beside a search', spec: spec({}, { tasks: [{ name: 'x', algoRef: { name: 'train' }, inputs: [] }] }), want: /tasks are its trials/ },
    { name: 'a search beside another strategy', spec: { strategy: { search: search(), cyclic: { rounds: 1, trainers: [{ namespace: 'a', datasetRef: { name: 'd' } }], trainAlgo: { name: 't' } } } }, want: /exactly one strategy: fedAvg, cyclic, personalized or search/ },
  ])('rejects $name', ({ spec: value, want }) => {
    expect(messages(value)).toMatch(want);
  });

  it('keeps trials with typed parameters in the status', () => {
    const status = { trials: [{ id: 't0', params: { lr: 0.01, opt: 'adam', warm: true }, state: 'Succeeded', objective: 0.9, durationSeconds: 12, startTime: '2026-01-01T00:00:00Z' }], search: { startTime: '2026-01-01T00:00:00Z', bestTrial: 't0' } };
    expect(computePlanStatusSchema.safeParse(status).error?.issues ?? []).toEqual([]);
  });

  it('types a parsed search', () => {
    const parsed = computePlanSpecSchema.parse(spec()).strategy?.search as Search;
    expect(parsed.space.opt?.choice).toEqual(['adam', 'sgd', 1, true]);
  });
});
