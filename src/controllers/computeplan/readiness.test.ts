import { describe, expect, it } from 'vitest';
import type { Task } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { testNamespaceUid, type InputDatasetBuilder, type ReadyAlgoBuilder } from '../../../test/support/job-builders.ts';
import { digestOf, makeAlgo, makeDataset, makeTask, taskJob, type TaskJobBuilder } from '../../../test/support/plan-builders.ts';
import { runDigest } from '../shared/run-digest.ts';
import { taskReadiness, type ReadinessContext } from './readiness.ts';

interface World {
  algos?: ReadyAlgoBuilder[];
  datasets?: InputDatasetBuilder[];
  tasks?: ReturnType<typeof makeTask>[];
  jobs?: TaskJobBuilder[];
  /** Strategy roles by task name. */
  roles?: Record<string, string | undefined>;
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
    namespaceUid: testNamespaceUid,
    task: (name) => tasks.get(name),
    job: (task) => jobs.get(task),
    role: (task) => world.roles?.[task],
  };
}

/** The Algo `train` with code, and what an owner approves to let it run. */
const coded = (): ReadyAlgoBuilder => makeAlgo().spec({ code: { digest: digestOf('code') } });
const codedDigest = runDigest({ image: 'local/train:1', code: digestOf('code') });
const approving = (...approvedCode: string[]): InputDatasetBuilder => makeDataset('cifar', 'org-b').spec({ permissions: { authorizedNamespaces: ['org-a'], approvedCode } });

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
    {
      name: 'an Algo that is not Ready: nothing of it is run or lent',
      task: makeTask('t').in('org-b').dataset('data', 'cifar'),
      world: { algos: [coded().notReady()], datasets: [makeDataset('cifar', 'org-b').authorize('org-a')] },
      want: { kind: 'waiting', missing: ['a Ready algo org-a/train'] },
    },
    {
      name: "an Algo naming code its namespace does not hold (another organization's file set): the task fails",
      task: makeTask('t').in('org-b').dataset('data', 'cifar'),
      world: {
        algos: [coded().status({ conditions: [{ type: 'Ready', status: 'False', reason: 'Unauthorized', message: 'the file set x was never pushed to this namespace', lastTransitionTime: '2026-01-01T00:00:00.000Z' }] })],
        datasets: [makeDataset('cifar', 'org-b').authorize('org-a')],
      },
      want: { kind: 'failed', reason: 'Unauthorized' },
      wantMessage: /^task t: algo org-a\/train may not run: the file set x was never pushed to this namespace$/,
    },
    {
      name: 'an Algo Ready for an older generation: its new code was not checked yet',
      task: makeTask('t').in('org-b').dataset('data', 'cifar'),
      world: { algos: [coded().spec({ image: 'local/train:2' }).status({ observedGeneration: 0 })], datasets: [makeDataset('cifar', 'org-b').authorize('org-a')] },
      want: { kind: 'waiting', missing: ['a Ready algo org-a/train'] },
    },
    {
      name: 'another namespace whose Dataset approves the code',
      task: makeTask('t').in('org-b').dataset('data', 'cifar'),
      world: { algos: [coded()], datasets: [approving(codedDigest)] },
      want: { kind: 'ready', inputs: [{ name: 'data', dataset: 'cifar' }] },
    },
    {
      name: 'another namespace whose Dataset approves other code',
      task: makeTask('t').in('org-b').dataset('data', 'cifar'),
      world: { algos: [coded()], datasets: [approving(runDigest({ image: 'local/train:1', code: digestOf('old code') }))] },
      want: { kind: 'failed', reason: 'Unauthorized' },
      wantMessage: new RegExp(`^CodeNotApproved: task t: Dataset org-b/cifar does not approve this code \\(run digest ${codedDigest}`),
    },
    {
      name: 'a fedAvg trainer on test-only data, whatever its Algo claims',
      task: makeTask('r1-train-0').in('org-b').dataset('data', 'cifar'),
      world: { algos: [makeAlgo().category('metric')], datasets: [makeDataset('cifar', 'org-b').authorize('org-a').testOnly()], roles: { 'r1-train-0': 'train' } },
      want: { kind: 'failed', reason: 'InvalidSpec' },
      wantMessage: /task r1-train-0 may learn from its data \(category: train, metric\), but Dataset org-b\/cifar is test-only/,
    },
    {
      name: 'a written-out task of a train Algo on test-only data',
      task: makeTask('t').dataset('data', 'cifar'),
      world: { datasets: [makeDataset('cifar').testOnly()] },
      want: { kind: 'failed', reason: 'InvalidSpec' },
    },
    {
      name: 'a fedAvg test on test-only data',
      task: makeTask('r1-test-0').in('org-b').dataset('data', 'cifar'),
      world: { algos: [makeAlgo().category('metric')], datasets: [makeDataset('cifar', 'org-b').authorize('org-a').testOnly()], roles: { 'r1-test-0': 'metric' } },
      want: { kind: 'ready' },
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
