import { describe, expect, it } from 'vitest';
import type { Task } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { InputDatasetBuilder, ReadyAlgoBuilder } from '../../../test/support/job-builders.ts';
import { digestOf, makeAlgo, makeDataset, makeTask, taskJob, type TaskJobBuilder } from '../../../test/support/plan-builders.ts';
import { taskReadiness, type ReadinessContext } from './readiness.ts';

interface World {
  algos?: ReadyAlgoBuilder[];
  datasets?: InputDatasetBuilder[];
  tasks?: ReturnType<typeof makeTask>[];
  jobs?: TaskJobBuilder[];
}

function context(world: World): ReadinessContext {
  const algos = new Map((world.algos ?? [makeAlgo()]).map((a) => a.obj()).map((a) => [a.metadata.name, a]));
  const datasets = new Map((world.datasets ?? []).map((d) => d.obj()).map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d]));
  const tasks = new Map<string, Task>((world.tasks ?? []).map((t) => t.obj()).map((t) => [t.name, t]));
  const jobs = new Map<string, TesseraJob>((world.jobs ?? []).map((j) => j.obj()).map((j) => [j.metadata.labels!['tessera.dev/task']!, j]));
  return {
    planNamespace: 'org-a',
    algo: (name) => algos.get(name),
    dataset: (namespace, name) => datasets.get(`${namespace}/${name}`),
    task: (name) => tasks.get(name),
    job: (task) => jobs.get(task),
  };
}

const parent = makeTask('a');

describe('taskReadiness', () => {
  it.each([
    {
      name: 'a task on a Ready Dataset of its namespace',
      task: makeTask('t').dataset('data', 'cifar'),
      world: { datasets: [makeDataset('cifar')] },
      want: { kind: 'ready', inputs: [{ name: 'data', dataset: 'cifar' }] },
    },
    {
      name: 'a task on a succeeded parent\'s output',
      task: makeTask('t').from('model', 'a'),
      world: { tasks: [parent], jobs: [taskJob('a').succeeded()] },
      want: { kind: 'ready', inputs: [{ name: 'model', digest: digestOf('a/model'), namespace: 'org-a' }] },
    },
    {
      name: 'a parent still running',
      task: makeTask('t').from('model', 'a'),
      world: { tasks: [parent], jobs: [taskJob('a').running()] },
      want: { kind: 'waiting', missing: [] },
    },
    {
      name: 'a parent without a Job yet',
      task: makeTask('t').from('model', 'a'),
      world: { tasks: [parent] },
      want: { kind: 'waiting', missing: [] },
    },
    {
      name: 'a Dataset still indexing',
      task: makeTask('t').dataset('data', 'cifar'),
      world: { datasets: [makeDataset('cifar').notReady()] },
      want: { kind: 'waiting', missing: [] },
    },
    {
      name: 'a task, Algo and Dataset that do not exist',
      task: makeTask('t').algo('ghost-algo').in('org-b').dataset('data', 'ghost-data').from('model', 'ghost-task'),
      world: {},
      unknownParents: ['ghost-task'],
      want: { kind: 'waiting', missing: ['task ghost-task', 'algo org-a/ghost-algo', 'dataset org-b/ghost-data'] },
    },
    {
      name: 'a parent that succeeded without the output',
      task: makeTask('t').from('stats', 'a', 'stats'),
      world: { algos: [makeAlgo().outputs('model', 'stats')], tasks: [parent], jobs: [taskJob('a').succeeded('model')] },
      want: { kind: 'waiting', missing: ['output stats of task a'] },
    },
    {
      name: 'a parent whose outputs were released',
      task: makeTask('t').from('model', 'a'),
      world: { tasks: [parent], jobs: [taskJob('a').succeeded().released()] },
      want: { kind: 'waiting', missing: ['output model of task a (released)'] },
    },
    {
      name: 'another namespace whose Dataset does not authorize the plan',
      task: makeTask('t').in('org-b').dataset('data', 'cifar'),
      world: { datasets: [makeDataset('cifar', 'org-b')] },
      want: { kind: 'failed', reason: 'Unauthorized' },
      wantMessage: /org-b\/cifar does not authorize namespace org-a/,
    },
    {
      name: 'another namespace, even before its parents are done',
      task: makeTask('t').in('org-b').dataset('data', 'cifar').from('model', 'a'),
      world: { datasets: [makeDataset('cifar', 'org-b')], tasks: [parent] },
      want: { kind: 'failed', reason: 'Unauthorized' },
    },
    {
      name: "an output the parent's Algo does not declare",
      task: makeTask('t').from('weights', 'a', 'weights'),
      world: { tasks: [parent], jobs: [taskJob('a').succeeded()] },
      want: { kind: 'failed', reason: 'InvalidSpec' },
      wantMessage: /^task t reads output weights of task a, which algo train does not declare$/,
    },
    {
      name: "a parent's log, which every run writes, declared or not",
      task: makeTask('t').from('log', 'a', 'logs'),
      world: { tasks: [parent], jobs: [taskJob('a').succeeded('model', 'logs')] },
      want: { kind: 'ready', inputs: [{ name: 'log', digest: digestOf('a/logs'), namespace: 'org-a' }] },
    },
    {
      name: 'another namespace on authorized data, reading a parent from the plan\'s namespace',
      task: makeTask('t').in('org-b').dataset('data', 'cifar').from('model', 'a'),
      world: { datasets: [makeDataset('cifar', 'org-b').authorize('org-a')], tasks: [parent], jobs: [taskJob('a').succeeded()] },
      want: { kind: 'ready', inputs: [{ name: 'data', dataset: 'cifar' }, { name: 'model', digest: digestOf('a/model'), namespace: 'org-a' }] },
    },
  ])('$name', ({ task, world, unknownParents, want, wantMessage }) => {
    const readiness = taskReadiness(task.obj(), unknownParents ?? [], context(world));
    expect(readiness).toMatchObject(want);
    if (wantMessage) expect(readiness.kind === 'failed' && readiness.message).toMatch(wantMessage);
  });

  it('names what is missing in the order the task names it, so the message stays stable', () => {
    const task = makeTask('t').dataset('b', 'second').dataset('a', 'first');
    const readiness = taskReadiness(task.obj(), [], context({}));
    expect(readiness).toEqual({ kind: 'waiting', missing: ['dataset org-a/second', 'dataset org-a/first'] });
  });
});
