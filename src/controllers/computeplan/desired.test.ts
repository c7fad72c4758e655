import { describe, expect, it } from 'vitest';
import { tesseraJobSchema } from '../../api/job.ts';
import { digestOf, makeAlgo, makePlan, makeTask } from '../../../test/support/plan-builders.ts';
import { desiredTaskJob, simulationAnnotations, type TaskJobSource } from './desired.ts';
import { taskJobName } from './names.ts';

const source = (fields: Partial<TaskJobSource> = {}): TaskJobSource => ({
  plan: makePlan().obj(),
  task: makeTask('t').obj(),
  algo: makeAlgo().obj(),
  inputs: [],
  retryToken: '',
  ...fields,
});

describe('desiredTaskJob', () => {
  it("runs the Algo's image, command, code and outputs, with the task's retries and timeout", () => {
    const algo = makeAlgo().spec({ command: ['python', 'train.py'], args: ['--epochs', '3'], code: { digest: digestOf('code') }, resources: { cpu: 2, memory: '4Gi' } }).outputs('model', 'stats').obj();
    const task = makeTask('t').set({ retries: 2, timeoutSeconds: 600 }).obj();
    const { job } = desiredTaskJob(source({ algo, task }));
    expect(job.spec).toEqual({
      image: 'local/train:1',
      command: ['python', 'train.py'],
      args: ['--epochs', '3'],
      code: { digest: digestOf('code') },
      resources: { cpu: 2, memory: '4Gi' },
      retries: 2,
      timeoutSeconds: 600,
      outputs: [{ name: 'model' }, { name: 'stats' }],
    });
    expect(tesseraJobSchema.safeParse(job).error?.issues ?? []).toEqual([]);
  });

  it("sends every task through the plan's Kueue queue, with its priority, in the task's own namespace", () => {
    const plan = makePlan().spec({ queueName: 'gpus', priorityClassName: 'research' }).obj();
    const { job } = desiredTaskJob(source({ plan, task: makeTask('t').in('org-b').obj() }));
    expect(job.metadata.namespace).toBe('org-b');
    expect(job.spec).toMatchObject({ queueName: 'gpus', priorityClassName: 'research' });
    expect(desiredTaskJob(source()).job.spec.queueName).toBeUndefined();
  });

  it("puts a round's trainer in its Kueue pod group when rounds are admitted whole, next to the simulation annotations", () => {
    const fedAvg = { rounds: 1, trainers: [{ namespace: 'org-b', datasetRef: { name: 'd' } }, { namespace: 'org-b', datasetRef: { name: 'e' } }], trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'agg' } };
    const plan = makePlan().spec({ queueName: 'gpus', roundAdmission: 'Whole', strategy: { fedAvg } }).obj();
    plan.metadata.annotations = { 'sim.tessera.dev/run-for': '1s' };
    const task = { name: 'r1-train-0', algoRef: { name: 'train' }, namespace: 'org-b', round: 1, inputs: [] };
    const { job } = desiredTaskJob(source({ plan, task }));
    expect(job.metadata.labels?.['kueue.x-k8s.io/pod-group-name']).toMatch(/-r1-[0-9a-f]{8}$/);
    expect(job.metadata.annotations).toEqual({ 'sim.tessera.dev/run-for': '1s', 'kueue.x-k8s.io/pod-group-total-count': '2' });
    const aggregate = desiredTaskJob(source({ plan, task: { ...task, name: 'r1-aggregate', namespace: undefined } })).job;
    expect(aggregate.metadata.labels?.['kueue.x-k8s.io/pod-group-name']).toBeUndefined();
  });

  it('leaves out an Algo output named logs: every run writes its log there anyway', () => {
    const { job } = desiredTaskJob(source({ algo: makeAlgo().outputs('model', 'logs').obj() }));
    expect(job.spec.outputs).toEqual([{ name: 'model' }]);
    expect(tesseraJobSchema.safeParse(job).success).toBe(true);
  });

  it("merges the task's resources over the Algo's field by field, as a Job's", () => {
    const algo = makeAlgo().spec({ resources: { cpu: 2, memory: '4Gi' } }).obj();
    const { job } = desiredTaskJob(source({ algo, task: makeTask('t').set({ resources: { gpu: 1, memory: '8Gi' } }).obj() }));
    expect(job.spec.resources).toEqual({ cpu: 2, memory: '8Gi', gpu: 1 });
  });

  it.each([
    { name: 'a task of a train Algo', algo: makeAlgo().category('train'), fedAvg: false, task: 't', want: 'train' },
    { name: 'a task of a metric Algo', algo: makeAlgo().category('metric'), fedAvg: false, task: 't', want: 'metric' },
    { name: 'a fedAvg train task whose Algo claims to be a metric', algo: makeAlgo().category('metric'), fedAvg: true, task: 'r1-train-0', want: 'train' },
    { name: 'a fedAvg test task of a metric Algo', algo: makeAlgo().category('metric'), fedAvg: true, task: 'r1-test-0', want: 'metric' },
    { name: 'a fedAvg test task of a composite Algo', algo: makeAlgo().category('composite'), fedAvg: true, task: 'r1-test-0', want: 'composite' },
    { name: 'a fedAvg aggregate task', algo: makeAlgo().category('aggregate'), fedAvg: true, task: 'r1-aggregate', want: 'aggregate' },
  ])('labels the category of $name: $want', ({ algo, fedAvg, task, want }) => {
    const strategy = { fedAvg: { rounds: 1, trainers: [{ namespace: 'org-b', datasetRef: { name: 'd' } }], trainAlgo: { name: 'x' }, aggregateAlgo: { name: 'y' }, testAlgo: { name: 'z' } } };
    const plan = fedAvg ? makePlan().spec({ strategy }).obj() : makePlan().obj();
    const { job } = desiredTaskJob(source({ plan, algo: algo.obj(), task: makeTask(task).obj() }));
    expect(job.metadata.labels?.['tessera.dev/category']).toBe(want);
  });

  it('binds Datasets by name and parent outputs by digest', () => {
    const { job } = desiredTaskJob(source({ inputs: [{ name: 'data', dataset: 'cifar' }, { name: 'model', digest: digestOf('a/model'), namespace: 'org-a' }] }));
    expect(job.spec.inputs).toEqual([
      { name: 'data', dataset: { name: 'cifar' } },
      { name: 'model', fileSet: { digest: digestOf('a/model') } },
    ]);
  });

  it('is named for the plan, task, plan uid and retry token, and labelled back to the plan', () => {
    const { job } = desiredTaskJob(source({ task: makeTask('r2-train-0').round(2).obj(), retryToken: 'again' }));
    expect(job.metadata.name).toBe(taskJobName('plan', 'r2-train-0', 'uid-plan', 'again'));
    expect(job.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'tessera',
      'app.kubernetes.io/component': 'compute-plan-task',
      'tessera.dev/plan': 'plan',
      'tessera.dev/plan-namespace': 'org-a',
      'tessera.dev/plan-uid': 'uid-plan',
      'tessera.dev/task': 'r2-train-0',
      'tessera.dev/round': '2',
      'tessera.dev/category': 'train',
    });
  });

  it.each([
    {
      name: "in the plan's namespace: owned by the plan",
      task: makeTask('t'),
      wantNamespace: 'org-a',
      wantOwners: [{ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', name: 'plan', uid: 'uid-plan', controller: true, blockOwnerDeletion: true }],
      wantFinalizers: undefined,
    },
    { name: 'in another namespace: no owner can reach it, so a finalizer', task: makeTask('t').in('org-b'), wantNamespace: 'org-b', wantOwners: undefined, wantFinalizers: ['tessera.dev/compute-plan'] },
  ])('$name', ({ task, wantNamespace, wantOwners, wantFinalizers }) => {
    const { job } = desiredTaskJob(source({ task: task.obj() }));
    expect(job.metadata.namespace).toBe(wantNamespace);
    expect(job.metadata.ownerReferences).toEqual(wantOwners);
    expect(job.metadata.finalizers).toEqual(wantFinalizers);
  });

  it.each([
    { name: 'an output of the same namespace needs no grant', task: makeTask('t'), from: 'org-a', wantGrants: [] },
    { name: 'an output of another namespace is lent to the reader, from there', task: makeTask('t').in('org-b'), from: 'org-a', wantGrants: [{ namespace: 'org-b', digest: digestOf('m'), from: 'org-a' }] },
  ])('$name', ({ task, from, wantGrants }) => {
    const inputs = [{ name: 'model', digest: digestOf('m'), namespace: from }];
    expect(desiredTaskJob(source({ task: task.obj(), inputs })).grants).toEqual(wantGrants);
  });

  it.each([
    { name: "in the plan's namespace its code needs no grant", task: makeTask('t'), wantGrants: [] },
    { name: "in another namespace it borrows the code from the plan's namespace", task: makeTask('t').in('org-b'), wantGrants: [{ namespace: 'org-b', digest: digestOf('code'), from: 'org-a' }] },
  ])('a task running an Algo with code: $name', ({ task, wantGrants }) => {
    const algo = makeAlgo().obj();
    algo.spec.code = { digest: digestOf('code') };
    expect(desiredTaskJob(source({ task: task.obj(), algo })).grants).toEqual(wantGrants);
  });

  it('grants a digest once, however many inputs read it', () => {
    const inputs = ['m-0', 'm-1'].map((name) => ({ name, digest: digestOf('same'), namespace: 'org-b' }));
    expect(desiredTaskJob(source({ inputs })).grants).toEqual([{ namespace: 'org-a', digest: digestOf('same'), from: 'org-b' }]);
  });
});

describe('simulationAnnotations', () => {
  const planWith = (annotations: Record<string, string>): ReturnType<ReturnType<typeof makePlan>['obj']> => {
    const plan = makePlan('p').obj();
    plan.metadata.annotations = annotations;
    return plan;
  };

  it.each<{ name: string; annotations: Record<string, string>; task: string; want: Record<string, string> | undefined }>([
    { name: 'none', annotations: { other: 'x' }, task: 't1', want: undefined },
    { name: 'shared by every task', annotations: { 'sim.tessera.dev/run-for': '5s' }, task: 't1', want: { 'sim.tessera.dev/run-for': '5s' } },
    { name: "one task's own", annotations: { 'sim.tessera.dev/exit-code.t2': '1' }, task: 't2', want: { 'sim.tessera.dev/exit-code': '1' } },
    { name: "another task's, left out", annotations: { 'sim.tessera.dev/exit-code.t2': '1' }, task: 't1', want: undefined },
    {
      name: 'both, the own one beside the shared',
      annotations: { 'sim.tessera.dev/run-for': '5s', 'sim.tessera.dev/exit-code.t1': '3' },
      task: 't1',
      want: { 'sim.tessera.dev/run-for': '5s', 'sim.tessera.dev/exit-code': '3' },
    },
  ])('$name', ({ annotations, task, want }) => {
    expect(simulationAnnotations(planWith(annotations), task)).toEqual(want);
  });
});
