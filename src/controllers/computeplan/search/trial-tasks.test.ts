import { describe, expect, it } from 'vitest';
import type { Search } from '../../../api/search.ts';
import { parseTrialTask, searchDependencies, searchRole, trialTaskName, trialTasks } from './trial-tasks.ts';

const base: Search = {
  algo: { name: 'train' },
  testAlgo: { name: 'eval' },
  namespace: 'org-b',
  datasetRef: { name: 'data' },
  testDatasetRef: { name: 'holdout' },
  space: { lr: { uniform: { min: 0, max: 1 } } },
  objective: { metric: 'accuracy', goal: 'maximize' },
  algorithm: { random: {} },
  budget: { maxTrials: 2 },
};
const asha: Search = { ...base, testAlgo: undefined, algorithm: { asha: { minResource: 1, maxResource: 9, resource: 'rounds' } } };

describe('trial tasks', () => {
  it('are a train on the Dataset and a test of its model on the test Dataset, in the search\'s namespace, with the parameters', () => {
    expect(trialTasks(base, [{ id: 't0', params: { lr: 0.5 } }])).toEqual([
      { name: 't0-train', algoRef: { name: 'train' }, namespace: 'org-b', params: { lr: 0.5 }, inputs: [{ name: 'data', datasetRef: { name: 'data' } }] },
      { name: 't0-test', algoRef: { name: 'eval' }, namespace: 'org-b', params: { lr: 0.5 }, inputs: [{ name: 'data', datasetRef: { name: 'holdout' } }, { name: 'model', taskOutput: { task: 't0-train', output: 'model' } }] },
    ]);
  });

  it('with ASHA are one train per rung reached, each resuming the rung before\'s model with the rung\'s resource', () => {
    const tasks = trialTasks(asha, [{ id: 't3', params: { lr: 0.1 }, rung: 2 }, { id: 't4', params: { lr: 0.2 }, rung: 0 }]);
    expect(tasks.map((t) => [t.name, t.params, t.round, t.inputs.map((i) => i.taskOutput?.task ?? i.datasetRef?.name)])).toEqual([
      ['t3-r0-train', { lr: 0.1, rounds: 1 }, 0, ['data']],
      ['t3-r1-train', { lr: 0.1, rounds: 3 }, 1, ['data', 't3-r0-train']],
      ['t3-r2-train', { lr: 0.1, rounds: 9 }, 2, ['data', 't3-r1-train']],
      ['t4-r0-train', { lr: 0.2, rounds: 1 }, 0, ['data']],
    ]);
  });

  it('are named so a name tells its trial, rung and role, and only names the search gives parse', () => {
    expect(trialTaskName(base, 't7', 0, 'test')).toBe('t7-test');
    expect(parseTrialTask(base, 't7-test')).toEqual({ trial: 't7', rung: 0, role: 'test' });
    expect(parseTrialTask(base, 't7-r1-train')).toBeUndefined();
    expect(parseTrialTask(asha, 't7-r1-train')).toEqual({ trial: 't7', rung: 1, role: 'train' });
    expect(parseTrialTask(asha, 't7-train')).toBeUndefined();
    expect(parseTrialTask(base, 'r1-train-0')).toBeUndefined();
  });

  it('train and measure whatever their Algo claims: a train task never reads test-only data', () => {
    expect(searchRole(base, 't0-train')).toBe('train');
    expect(searchRole(base, 't0-test')).toBe('metric');
    expect(searchRole(asha, 't0-r0-test')).toBeUndefined();
    expect(searchRole(base, 'other')).toBeUndefined();
  });

  it('depend on the search\'s Algos and Datasets, in their namespaces, before any trial exists', () => {
    expect(searchDependencies(base, 'org-a')).toEqual(['org-a/train', 'org-a/eval', 'org-b/data', 'org-b/holdout']);
    expect(trialTasks(base, undefined)).toEqual([]);
  });
});
