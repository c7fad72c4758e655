import { describe, expect, it } from 'vitest';
import {
  computePlanCelRules,
  computePlanSpecSchema,
  computePlanStatusSchema,
  strategyTaskCount,
  maxPerformances,
  type FedAvg,
} from './computeplan.ts';

const task = (name: string, inputs: unknown[] = []): Record<string, unknown> => ({ name, algoRef: { name: 'train' }, inputs });
const trainers = (n: number): FedAvg['trainers'] => Array.from({ length: n }, (_, i) => ({ namespace: `org-${i}`, datasetRef: { name: 'data' } }));
const fedAvg = (fields: Partial<FedAvg> = {}): FedAvg => ({ rounds: 1, trainers: trainers(1), trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'agg' }, ...fields });

describe('computePlanSpecSchema', () => {
  it.each([
    { name: 'a taskOutput naming a task not in the plan yet (the controller waits for it)', spec: { tasks: [task('b', [{ name: 'model', taskOutput: { task: 'a', output: 'model' } }])] } },
    { name: 'a task with a round and a namespace', spec: { tasks: [{ ...task('t'), round: 3, namespace: 'org-b' }] } },
    { name: 'a trainer with a test Dataset', spec: { strategy: { fedAvg: fedAvg({ trainers: [{ namespace: 'org-a', datasetRef: { name: 'train' }, testDatasetRef: { name: 'test' } }] }) } } },
    { name: 'exactly 5000 tasks from a strategy', spec: { strategy: { fedAvg: fedAvg({ rounds: 50, trainers: trainers(99) }) } } },
    { name: 'a personalized strategy', spec: { strategy: { personalized: fedAvg() } } },
    { name: 'a cyclic strategy (no aggregate)', spec: { strategy: { cyclic: { rounds: 2, trainers: trainers(3), trainAlgo: { name: 't' } } } } },
    { name: 'exactly 5000 cyclic tasks', spec: { strategy: { cyclic: { rounds: 50, trainers: trainers(100), trainAlgo: { name: 't' } } } } },
    { name: 'fedAvg rounds admitted whole through a queue', spec: { queueName: 'gpus', roundAdmission: 'Whole', strategy: { fedAvg: fedAvg() } } },
    { name: 'personalized rounds admitted whole', spec: { queueName: 'gpus', roundAdmission: 'Whole', strategy: { personalized: fedAvg() } } },
    { name: 'per-task admission with parallelism', spec: { queueName: 'gpus', roundAdmission: 'PerTask', parallelism: 2, tasks: [task('t')] } },
  ])('accepts $name', ({ spec }) => {
    expect(computePlanSpecSchema.safeParse(spec).error?.issues ?? []).toEqual([]);
  });

  it.each([
    { name: 'an input with both sources', spec: { tasks: [task('t', [{ name: 'x', datasetRef: { name: 'd' }, taskOutput: { task: 'a', output: 'm' } }])] }, wantMessage: /exactly one of datasetRef or taskOutput/ },
    { name: 'two tasks of one name', spec: { tasks: [task('t'), task('t')] }, wantMessage: /task names must be unique/ },
    { name: 'no tasks and no strategy', spec: {}, wantMessage: /needs tasks or a strategy/ },
    { name: '5001 tasks from a strategy', spec: { strategy: { fedAvg: fedAvg({ rounds: 50, trainers: trainers(99), testAlgo: { name: 't' }, evaluateEvery: 50 }) } }, wantMessage: /at most 5000 tasks/ },
    { name: 'written-out and expanded tasks over the limit together', spec: { tasks: [task('extra')], strategy: { fedAvg: fedAvg({ rounds: 50, trainers: trainers(99) }) } }, wantMessage: /at most 5000 tasks/ },
    { name: 'two strategies at once', spec: { strategy: { fedAvg: fedAvg(), personalized: fedAvg() } }, wantMessage: /exactly one strategy/ },
    { name: 'an empty strategy', spec: { strategy: {} }, wantMessage: /exactly one strategy/ },
    { name: '5001 cyclic tasks with one written out', spec: { tasks: [task('extra')], strategy: { cyclic: { rounds: 50, trainers: trainers(100), trainAlgo: { name: 't' } } } }, wantMessage: /at most 5000 tasks/ },
    { name: 'a negative round', spec: { tasks: [{ ...task('t'), round: -1 }] }, wantMessage: />=0/ },
    { name: 'rounds admitted whole without a queue', spec: { roundAdmission: 'Whole', strategy: { fedAvg: fedAvg() } }, wantMessage: /roundAdmission Whole needs queueName/ },
    { name: 'cyclic rounds admitted whole', spec: { queueName: 'gpus', roundAdmission: 'Whole', strategy: { cyclic: { rounds: 2, trainers: trainers(3), trainAlgo: { name: 't' } } } }, wantMessage: /roundAdmission Whole needs/ },
    { name: 'rounds admitted whole under a parallelism', spec: { queueName: 'gpus', roundAdmission: 'Whole', parallelism: 4, strategy: { fedAvg: fedAvg() } }, wantMessage: /no parallelism/ },
    { name: 'written-out tasks admitted whole', spec: { queueName: 'gpus', roundAdmission: 'Whole', tasks: [task('t')] }, wantMessage: /roundAdmission Whole needs/ },
  ])('rejects $name', ({ spec, wantMessage }) => {
    const result = computePlanSpecSchema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('; ')).toMatch(wantMessage);
  });
});

describe('strategyTaskCount', () => {
  it.each([
    { name: 'one round, one trainer, no tests', fedAvg: fedAvg({}), want: 2 },
    { name: '3 rounds, 2 trainers, a test per round', fedAvg: fedAvg({ rounds: 3, trainers: trainers(2), testAlgo: { name: 't' } }), want: 3 * 3 + 3 * 2 },
    { name: 'tests every 2nd of 5 rounds and after the last', fedAvg: fedAvg({ rounds: 5, trainers: trainers(2), testAlgo: { name: 't' }, evaluateEvery: 2 }), want: 5 * 3 + 3 * 2 },
    { name: 'evaluateEvery without a test Algo adds nothing', fedAvg: fedAvg({ rounds: 4, evaluateEvery: 2 }), want: 8 },
  ])('$name → $want', ({ fedAvg: f, want }) => {
    expect(strategyTaskCount(f)).toBe(want);
  });
});

describe('computePlanStatusSchema', () => {
  const row = { task: 'r1-test-0', metric: 'accuracy', value: 0.5 };

  it('takes the leaderboard, its best row and the applied retry', () => {
    const status = { phase: 'Running', performances: [row], best: 'accuracy=0.5 (r1-test-0)', appliedRetry: '2026-01-01T00:00:00Z' };
    expect(computePlanStatusSchema.safeParse(status).success).toBe(true);
  });

  it('refuses a leaderboard longer than maxPerformances', () => {
    const performances = Array.from({ length: maxPerformances + 1 }, () => row);
    expect(computePlanStatusSchema.safeParse({ performances }).success).toBe(false);
  });
});

describe('computePlanCelRules', () => {
  it('keep tasks append-only and immutable, the strategy, queue and priority fixed once set', () => {
    const transitions = computePlanCelRules.filter((r) => r.rule.includes('oldSelf')).map((r) => `${r.path}: ${r.rule}`);
    expect(transitions).toEqual([
      'spec.tasks: self.size() >= oldSelf.size()',
      'spec.tasks[]: self == oldSelf',
      'spec: !has(oldSelf.strategy) || has(self.strategy)',
      'spec: has(self.queueName) == has(oldSelf.queueName) && (!has(self.queueName) || self.queueName == oldSelf.queueName) && has(self.priorityClassName) == has(oldSelf.priorityClassName) && (!has(self.priorityClassName) || self.priorityClassName == oldSelf.priorityClassName)',
      'spec: has(self.roundAdmission) == has(oldSelf.roundAdmission) && (!has(self.roundAdmission) || self.roundAdmission == oldSelf.roundAdmission)',
      'spec.strategy: self == oldSelf',
    ]);
  });
});
