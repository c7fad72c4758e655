import { describe, expect, it } from 'vitest';
import { strategyTaskCount, type FedAvg } from '../../api/computeplan.ts';
import { makeTask } from '../../../test/support/plan-builders.ts';
import { duplicateTaskNames, expandStrategy, localOutputs, planTasks, strategyRole } from './expand.ts';

const fedAvg = (fields: Partial<FedAvg> = {}): FedAvg => ({
  rounds: 2,
  trainers: [
    { namespace: 'org-a', datasetRef: { name: 'cifar-a' } },
    { namespace: 'org-b', datasetRef: { name: 'cifar-b' }, testDatasetRef: { name: 'cifar-b-test' } },
  ],
  aggregatorNamespace: 'org-c',
  trainAlgo: { name: 'train' },
  aggregateAlgo: { name: 'avg' },
  testAlgo: { name: 'test' },
  ...fields,
});

describe('expandStrategy: fedAvg', () => {
  it('trains on every trainer, aggregates, then tests, round by round', () => {
    expect(expandStrategy({ fedAvg: fedAvg() }).map((t) => t.name)).toEqual([
      'r1-train-0', 'r1-train-1', 'r1-aggregate', 'r1-test-0', 'r1-test-1',
      'r2-train-0', 'r2-train-1', 'r2-aggregate', 'r2-test-0', 'r2-test-1',
    ]);
  });

  it('binds each task to its namespace, Algo, round and inputs', () => {
    const byName = new Map(expandStrategy({ fedAvg: fedAvg() }).map((t) => [t.name, t]));
    expect(byName.get('r1-train-1')).toEqual({ name: 'r1-train-1', algoRef: { name: 'train' }, namespace: 'org-b', round: 1, inputs: [{ name: 'data', datasetRef: { name: 'cifar-b' } }] });
    expect(byName.get('r2-train-0')?.inputs).toEqual([
      { name: 'data', datasetRef: { name: 'cifar-a' } },
      { name: 'model', taskOutput: { task: 'r1-aggregate', output: 'model' } },
    ]);
    expect(byName.get('r2-aggregate')).toEqual({
      name: 'r2-aggregate',
      algoRef: { name: 'avg' },
      namespace: 'org-c',
      round: 2,
      inputs: [
        { name: 'model-0', taskOutput: { task: 'r2-train-0', output: 'model' } },
        { name: 'model-1', taskOutput: { task: 'r2-train-1', output: 'model' } },
      ],
    });
    expect(byName.get('r2-test-1')).toMatchObject({ algoRef: { name: 'test' }, namespace: 'org-b', round: 2 });
    expect(byName.get('r2-test-1')?.inputs).toEqual([
      { name: 'data', datasetRef: { name: 'cifar-b-test' } },
      { name: 'model', taskOutput: { task: 'r2-aggregate', output: 'model' } },
    ]);
    expect(byName.get('r2-test-0')?.inputs[0]).toEqual({ name: 'data', datasetRef: { name: 'cifar-a' } });
  });

  it('leaves the aggregator namespace unset when the strategy does: the plan\'s namespace', () => {
    const aggregate = expandStrategy({ fedAvg: fedAvg({ aggregatorNamespace: undefined }) }).find((t) => t.name === 'r1-aggregate');
    expect(aggregate).not.toHaveProperty('namespace');
  });

  it.each([
    { name: 'every round', fields: {}, wantTested: [1, 2] },
    { name: 'every 2nd of 5 rounds, and the last', fields: { rounds: 5, evaluateEvery: 2 }, wantTested: [2, 4, 5] },
    { name: 'every 3rd of 6 rounds', fields: { rounds: 6, evaluateEvery: 3 }, wantTested: [3, 6] },
    { name: 'no test Algo', fields: { rounds: 3, testAlgo: undefined }, wantTested: [] },
  ])('tests $name', ({ fields, wantTested }) => {
    const tasks = expandStrategy({ fedAvg: fedAvg(fields) });
    const tested = [...new Set(tasks.filter((t) => t.name.includes('-test-')).map((t) => t.round))];
    expect(tested).toEqual(wantTested);
  });

  it.each([
    { rounds: 1, trainers: 1, evaluateEvery: undefined, test: false },
    { rounds: 7, trainers: 3, evaluateEvery: 2, test: true },
    { rounds: 10, trainers: 5, evaluateEvery: 10, test: true },
    { rounds: 9, trainers: 4, evaluateEvery: 4, test: true },
  ])('expands into strategyTaskCount tasks: $rounds rounds, $trainers trainers, tests every $evaluateEvery', ({ rounds, trainers, evaluateEvery, test }) => {
    const strategy = fedAvg({
      rounds,
      trainers: Array.from({ length: trainers }, (_, i) => ({ namespace: `org-${i}`, datasetRef: { name: 'd' } })),
      evaluateEvery,
      testAlgo: test ? { name: 'test' } : undefined,
    });
    expect(expandStrategy({ fedAvg: strategy })).toHaveLength(strategyTaskCount(strategy));
  });
});

describe('planTasks', () => {
  it('puts written-out tasks before expanded ones', () => {
    const tasks = planTasks({ tasks: [makeTask('prep').obj()], strategy: { fedAvg: fedAvg({ rounds: 1, testAlgo: undefined }) } });
    expect(tasks.map((t) => t.name)).toEqual(['prep', 'r1-train-0', 'r1-train-1', 'r1-aggregate']);
  });

  it('is only the written-out tasks without a strategy', () => {
    expect(planTasks({ tasks: [makeTask('a').obj()] }).map((t) => t.name)).toEqual(['a']);
  });
});

describe('duplicateTaskNames', () => {
  it.each([
    { names: ['a', 'b'], want: [] },
    { names: ['a', 'b', 'a', 'a', 'b'], want: ['a', 'b'] },
  ])('$names → $want', ({ names, want }) => {
    expect(duplicateTaskNames(names.map((name) => ({ name })))).toEqual(want);
  });
});

describe('strategyRole', () => {
  const spec = {
    strategy: {
      fedAvg: {
        rounds: 2,
        trainers: [{ namespace: 'org-b', datasetRef: { name: 'd' } }, { namespace: 'org-c', datasetRef: { name: 'd' } }],
        trainAlgo: { name: 'train' },
        aggregateAlgo: { name: 'agg' },
        testAlgo: { name: 'eval' },
      },
    },
  };

  it.each([
    { task: 'r1-train-0', want: 'train' },
    { task: 'r2-train-1', want: 'train' },
    { task: 'r2-aggregate', want: 'aggregate' },
    { task: 'r1-test-1', want: 'metric' },
    { task: 'r3-train-0', want: undefined },
    { task: 'r1-train-2', want: undefined },
    { task: 'r01-train-0', want: undefined },
    { task: 'custom', want: undefined },
  ])('$task → $want', ({ task, want }) => {
    expect(strategyRole(spec, task)).toBe(want);
  });

  it('gives no role without a strategy', () => {
    expect(strategyRole({}, 'r1-train-0')).toBeUndefined();
  });

  it('matches every task the expansion writes', () => {
    const roles = expandStrategy({ fedAvg: spec.strategy.fedAvg }).map((t) => strategyRole(spec, t.name));
    expect(roles.every((r) => r !== undefined)).toBe(true);
  });
});

/** Each task's inputs as `input<-task/output` (or `input<-dataset name`), by task name. */
function wiring(tasks: ReturnType<typeof expandStrategy>): Record<string, string[]> {
  return Object.fromEntries(tasks.map((t) => [t.name, t.inputs.map((i) => (i.taskOutput ? `${i.name}<-${i.taskOutput.task}/${i.taskOutput.output}` : `${i.name}<-${i.datasetRef?.name ?? ''}`))]));
}

describe('expandStrategy: cyclic', () => {
  const { aggregateAlgo: _a, aggregatorNamespace: _n, ...cyclic } = fedAvg();
  const tasks = expandStrategy({ cyclic });

  it('passes the model from trainer to trainer, round after round, with no aggregate', () => {
    expect(tasks.map((t) => t.name)).toEqual(['r1-train-0', 'r1-train-1', 'r1-test-0', 'r1-test-1', 'r2-train-0', 'r2-train-1', 'r2-test-0', 'r2-test-1']);
    const inputs = wiring(tasks);
    expect(inputs['r1-train-0']).toEqual(['data<-cifar-a']);
    expect(inputs['r1-train-1']).toEqual(['data<-cifar-b', 'model<-r1-train-0/model']);
    expect(inputs['r2-train-0']).toEqual(['data<-cifar-a', 'model<-r1-train-1/model']);
    expect(inputs['r2-test-0']).toEqual(['data<-cifar-a', 'model<-r2-train-1/model']);
    expect(inputs['r2-test-1']).toEqual(['data<-cifar-b-test', 'model<-r2-train-1/model']);
  });

  it('runs each train and test in its trainer’s namespace', () => {
    expect(tasks.map((t) => t.namespace)).toEqual(['org-a', 'org-b', 'org-a', 'org-b', 'org-a', 'org-b', 'org-a', 'org-b']);
  });

  it('counts as strategyTaskCount says, and has roles but no aggregate role', () => {
    expect(tasks).toHaveLength(strategyTaskCount(cyclic));
    const spec = { strategy: { cyclic } };
    expect(tasks.map((t) => strategyRole(spec, t.name)).every((r) => r === 'train' || r === 'metric')).toBe(true);
    expect(strategyRole(spec, 'r1-aggregate')).toBeUndefined();
  });
});

describe('expandStrategy: personalized', () => {
  const personalized = fedAvg();
  const tasks = expandStrategy({ personalized });

  it('averages the trunks as fedAvg does, and feeds each trainer its own head back', () => {
    expect(tasks.map((t) => t.name)).toEqual(expandStrategy({ fedAvg: personalized }).map((t) => t.name));
    const inputs = wiring(tasks);
    expect(inputs['r1-train-0']).toEqual(['data<-cifar-a']);
    expect(inputs['r2-train-1']).toEqual(['data<-cifar-b', 'model<-r1-aggregate/model', 'head<-r1-train-1/head']);
    expect(inputs['r2-aggregate']).toEqual(['model-0<-r2-train-0/model', 'model-1<-r2-train-1/model']);
    expect(inputs['r1-test-1']).toEqual(['data<-cifar-b-test', 'model<-r1-aggregate/model', 'head<-r1-train-1/head']);
  });

  it('reads every head only in the namespace that wrote it', () => {
    const local = localOutputs({ strategy: { personalized } });
    expect(local.get('r2-train-1/head')).toBe('org-b');
    expect(local.size).toBe(4);
    for (const task of tasks) {
      for (const input of task.inputs) {
        const home = input.taskOutput && local.get(`${input.taskOutput.task}/${input.taskOutput.output}`);
        if (home) expect(task.namespace).toBe(home);
      }
    }
    expect(localOutputs({ strategy: { fedAvg: personalized } }).size).toBe(0);
  });
});
