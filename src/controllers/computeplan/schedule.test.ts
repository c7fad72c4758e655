import { describe, expect, it } from 'vitest';
import { maxPerformances, type ComputePlan } from '../../api/computeplan.ts';
import {
  digestOf,
  makeAlgo,
  makeDataset,
  makePlan,
  makeTask,
  observe,
  taskJob,
  type ObservationBuilder,
  type PlanBuilder,
  type TaskJobBuilder,
} from '../../../test/support/plan-builders.ts';
import { decide, type PlanDecision } from './schedule.ts';

// decide() end to end on small plans: each case states the plan and what was observed, and what
// the reconciler is told to do. Policies have their own tests beside them; these prove they compose.

const chain = (): PlanBuilder => makePlan().task(makeTask('a'), makeTask('b').from('model', 'a'), makeTask('c').from('model', 'b'));
const world = (plan: PlanBuilder, ...jobs: TaskJobBuilder[]): ObservationBuilder => observe(plan).algos(makeAlgo()).jobs(...jobs);

const created = (d: PlanDecision): string[] => d.create.map((c) => c.job.metadata.labels!['tessera.dev/task']!);
const refs = (list: PlanDecision['cancel']): string[] => list.map((r) => r.name.replace(/^plan-(.*)-[0-9a-f]{6}$/, '$1'));
const condition = (d: PlanDecision, type: string): { status: string; reason: string; message: string } | undefined => d.status.conditions?.find((c) => c.type === type);

interface Case {
  name: string;
  world: ObservationBuilder;
  wantCreate?: string[];
  wantCancel?: string[];
  wantDelete?: string[];
  wantRelease?: string[];
  wantPhase: string;
  wantReason?: string;
  wantCounts?: Record<string, number>;
  wantStalled?: { reason: string; message: RegExp };
}

const cases: Case[] = [
  { name: 'a new chain starts its root', world: world(chain()), wantCreate: ['a'], wantPhase: 'Running', wantCounts: { total: 3, pending: 2, queued: 1 } },
  { name: 'a chain whose root runs waits', world: world(chain(), taskJob('a').running()), wantCreate: [], wantPhase: 'Running', wantReason: 'Running' },
  { name: 'a chain whose root succeeded starts the next', world: world(chain(), taskJob('a').succeeded()), wantCreate: ['b'], wantPhase: 'Running' },
  { name: 'a chain that is done', world: world(chain(), taskJob('a').succeeded(), taskJob('b').succeeded(), taskJob('c').succeeded()), wantCreate: [], wantPhase: 'Succeeded', wantReason: 'Succeeded', wantCounts: { succeeded: 3 } },
  {
    name: 'a fan-out starts every child at once',
    world: world(makePlan().task(makeTask('root'), ...['x', 'y', 'z'].map((n) => makeTask(n).from('model', 'root'))), taskJob('root').succeeded()),
    wantCreate: ['x', 'y', 'z'],
    wantPhase: 'Running',
  },
  {
    name: 'parallelism counts the Jobs already live',
    world: world(makePlan().spec({ parallelism: 2 }).task(makeTask('a'), makeTask('b'), makeTask('c')), taskJob('a').running()),
    wantCreate: ['b'],
    wantPhase: 'Running',
  },
  {
    name: 'lower ranks start first, then plan order',
    world: world(makePlan().spec({ parallelism: 2 }).task(makeTask('late').from('model', 'early'), makeTask('early'), makeTask('other'))),
    wantCreate: ['early', 'other'],
    wantPhase: 'Running',
  },
  {
    name: 'a missing Dataset holds only its task',
    world: world(makePlan().task(makeTask('t').dataset('data', 'ghost'), makeTask('u').dataset('data', 'cifar'))).datasets(makeDataset('cifar')),
    wantCreate: ['u'],
    wantPhase: 'Running',
    wantStalled: { reason: 'DependencyNotFound', message: /not found: dataset org-a\/ghost; 1 task wait/ },
  },
  {
    name: 'a task appended later naming a task not in the plan waits for it',
    world: world(makePlan().task(makeTask('b').from('model', 'a'))),
    wantCreate: [],
    wantPhase: 'Pending',
    wantStalled: { reason: 'DependencyNotFound', message: /task a/ },
  },
  {
    name: 'FailFast: an unauthorized task fails the plan before anything starts',
    world: world(makePlan().task(makeTask('mine'), makeTask('theirs').in('org-b').dataset('data', 'private'))).datasets(makeDataset('private', 'org-b')),
    wantCreate: [],
    wantPhase: 'Failed',
    wantReason: 'Unauthorized',
    wantCounts: { failed: 1, canceled: 1 },
  },
  {
    name: 'ContinueIndependent: an unauthorized task does not hold the others',
    world: world(makePlan().spec({ failurePolicy: 'ContinueIndependent' }).task(makeTask('mine'), makeTask('theirs').in('org-b').dataset('data', 'private'))).datasets(makeDataset('private', 'org-b')),
    wantCreate: ['mine'],
    wantPhase: 'Running',
    wantCounts: { failed: 1, queued: 1 },
  },
  {
    name: 'FailFast: a failed Job cancels the live ones and starts nothing',
    world: world(makePlan().task(makeTask('a'), makeTask('b'), makeTask('c'), makeTask('d').from('model', 'c')), taskJob('a').failed(), taskJob('b').running(), taskJob('c').succeeded()),
    wantCreate: [],
    wantCancel: ['b'],
    wantPhase: 'Running',
    wantReason: 'TaskFailed',
    wantCounts: { failed: 1, running: 1, succeeded: 1, canceled: 1 },
  },
  {
    name: 'FailFast: the plan fails once nothing runs',
    world: world(makePlan().task(makeTask('a'), makeTask('b'), makeTask('c')), taskJob('a').failed(), taskJob('b').canceled().cancelRequested()),
    wantCreate: [],
    wantCancel: [],
    wantPhase: 'Failed',
    wantReason: 'TaskFailed',
    wantCounts: { failed: 1, canceled: 2 },
  },
  {
    name: "ContinueIndependent: a failure cancels only the task's descendants",
    world: world(
      makePlan().spec({ failurePolicy: 'ContinueIndependent' }).task(makeTask('a'), makeTask('b').from('model', 'a'), makeTask('c').from('model', 'b'), makeTask('x')),
      taskJob('a').failed(),
    ),
    wantCreate: ['x'],
    wantCancel: [],
    wantPhase: 'Running',
    wantCounts: { failed: 1, canceled: 2, queued: 1 },
  },
  {
    name: 'ContinueIndependent: the plan fails at the end if anything failed',
    world: world(makePlan().spec({ failurePolicy: 'ContinueIndependent' }).task(makeTask('a'), makeTask('b').from('model', 'a'), makeTask('x')), taskJob('a').failed(), taskJob('x').succeeded()),
    wantPhase: 'Failed',
    wantReason: 'TaskFailed',
  },
  {
    name: 'cancel: live Jobs are canceled, the rest never start',
    world: world(chain().spec({ cancel: true }), taskJob('a').running()),
    wantCreate: [],
    wantCancel: ['a'],
    wantPhase: 'Running',
    wantReason: 'Canceled',
    wantCounts: { running: 1, canceled: 2 },
  },
  { name: 'cancel: a Job already asked is not asked again', world: world(chain().spec({ cancel: true }), taskJob('a').running().cancelRequested()), wantCancel: [], wantPhase: 'Running' },
  { name: 'cancel: the plan is Canceled once nothing runs', world: world(chain().spec({ cancel: true }), taskJob('a').canceled()), wantPhase: 'Canceled', wantReason: 'Canceled', wantCounts: { canceled: 3 } },
  { name: 'suspend: nothing starts', world: world(chain().spec({ suspend: true })), wantCreate: [], wantPhase: 'Suspended', wantReason: 'Suspended' },
  { name: 'suspend: running Jobs finish', world: world(chain().spec({ suspend: true }), taskJob('a').running()), wantCreate: [], wantCancel: [], wantPhase: 'Running', wantReason: 'Suspended' },
  {
    name: 'retry: the Jobs of failed and canceled tasks go first, and nothing starts',
    world: world(makePlan().retry('r1').task(makeTask('ok'), makeTask('a'), makeTask('b')), taskJob('ok').succeeded(), taskJob('a').failed(), taskJob('b').canceled()),
    wantCreate: [],
    wantCancel: [],
    wantDelete: ['a', 'b'],
    wantPhase: 'Running',
    wantReason: 'Retrying',
  },
  {
    name: 'retry: a Job being deleted is waited for, not deleted again',
    world: world(makePlan().retry('r1').task(makeTask('a')), taskJob('a').failed().deleting()),
    wantCreate: [],
    wantDelete: [],
    wantPhase: 'Running',
    wantReason: 'Retrying',
  },
  {
    name: 'retry: once they are gone, the failed part runs again and succeeded outputs are reused',
    world: world(makePlan().retry('r1').task(makeTask('ok'), makeTask('a').from('model', 'ok')), taskJob('ok').succeeded()),
    wantCreate: ['a'],
    wantDelete: [],
    wantPhase: 'Running',
  },
  { name: 'retry: an annotation already applied changes nothing', world: world(makePlan().retry('r1').status({ appliedRetry: 'r1' }).task(makeTask('a')), taskJob('a').failed()), wantDelete: [], wantPhase: 'Failed' },
  {
    name: 'a cycle starts nothing',
    world: world(makePlan().task(makeTask('root'), makeTask('a').from('model', 'b'), makeTask('b').from('model', 'a'))),
    wantCreate: [],
    wantPhase: 'Failed',
    wantReason: 'CycleDetected',
    wantStalled: { reason: 'CycleDetected', message: /a -> b -> a/ },
  },
  {
    name: 'a written-out task named like an expanded one is an invalid spec',
    world: world(makePlan().task(makeTask('r1-aggregate')).fedAvg({ rounds: 1, trainers: [{ namespace: 'org-a', datasetRef: { name: 'd' } }], trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'train' } })),
    wantCreate: [],
    wantPhase: 'Failed',
    wantReason: 'InvalidSpec',
    wantStalled: { reason: 'InvalidSpec', message: /r1-aggregate/ },
  },
  {
    name: 'cleanIntermediateOutputs releases outputs every reader succeeded on, and keeps final ones',
    world: world(chain().spec({ cleanIntermediateOutputs: true }), taskJob('a').succeeded(), taskJob('b').succeeded(), taskJob('c').running()),
    wantRelease: ['a'],
    wantPhase: 'Running',
  },
  {
    name: 'cleanIntermediateOutputs does not release twice',
    world: world(chain().spec({ cleanIntermediateOutputs: true }), taskJob('a').succeeded().released(), taskJob('b').succeeded(), taskJob('c').succeeded()),
    wantRelease: ['b'],
    wantPhase: 'Succeeded',
  },
  { name: 'outputs are kept without cleanIntermediateOutputs', world: world(chain(), taskJob('a').succeeded(), taskJob('b').succeeded()), wantRelease: [], wantPhase: 'Running' },
  {
    name: 'a task appended to a finished plan runs',
    world: world(makePlan().task(makeTask('a'), makeTask('more').from('model', 'a')), taskJob('a').succeeded()),
    wantCreate: ['more'],
    wantPhase: 'Running',
  },
];

describe('decide', () => {
  it.each(cases)('$name', (c) => {
    const d = decide(c.world.obj());
    if (c.wantCreate) expect(created(d)).toEqual(c.wantCreate);
    if (c.wantCancel) expect(refs(d.cancel)).toEqual(c.wantCancel);
    if (c.wantDelete) expect(refs(d.delete)).toEqual(c.wantDelete);
    if (c.wantRelease) expect(refs(d.release)).toEqual(c.wantRelease);
    expect(d.status.phase).toBe(c.wantPhase);
    if (c.wantReason) expect(condition(d, 'Reconciling')?.reason).toBe(c.wantReason);
    if (c.wantCounts) expect(d.status.counts).toMatchObject(c.wantCounts);
    if (c.wantStalled) {
      expect(condition(d, 'Stalled')).toMatchObject({ status: 'True', reason: c.wantStalled.reason });
      expect(condition(d, 'Stalled')?.message).toMatch(c.wantStalled.message);
    }
  });

  it('names new Jobs with the applied retry token', () => {
    const before = decide(world(makePlan().task(makeTask('a'))).obj()).create[0]?.job.metadata.name;
    const after = decide(world(makePlan().retry('r1').task(makeTask('a'))).obj());
    expect(after.status.appliedRetry).toBe('r1');
    expect(after.create[0]?.job.metadata.name).not.toBe(before);
  });

  it('keeps status.appliedRetry while the retry waits for deletions', () => {
    const d = decide(world(makePlan().retry('r2').status({ appliedRetry: 'r1' }).task(makeTask('a')), taskJob('a').failed().token('r1')).obj());
    expect(d.status.appliedRetry).toBe('r1');
    expect(refs(d.delete)).toEqual(['a']);
  });

  it('reads a parent in another namespace through a grant to the reader', () => {
    const plan = makePlan().task(makeTask('train').in('org-b').dataset('data', 'cifar'), makeTask('agg').from('model', 'train'));
    const d = decide(world(plan, taskJob('train', 'org-b').succeeded()).datasets(makeDataset('cifar', 'org-b').authorize('org-a')).obj());
    expect(d.create.map((c) => c.grants)).toEqual([[{ namespace: 'org-a', digest: digestOf('train/model'), from: 'org-b' }]]);
    expect(d.create[0]?.job.spec.inputs).toEqual([{ name: 'model', fileSet: { digest: digestOf('train/model') } }]);
  });

  it('ignores Jobs labelled with another plan uid', () => {
    const stranger = taskJob('a').succeeded().label('tessera.dev/plan-uid', 'uid-old');
    expect(created(decide(world(chain(), stranger).obj()))).toEqual(['a']);
  });

  it('writes the same status again when nothing changed, so the reconciler can skip the write', () => {
    const first = decide(world(chain(), taskJob('a').running()).obj());
    const plan: ComputePlan = { ...chain().obj(), status: first.status };
    const again = decide(world(chain(), taskJob('a').running()).at(new Date('2026-01-01T02:00:00Z')).obj());
    const fed = decide({ ...world(chain(), taskJob('a').running()).at(new Date('2026-01-01T02:00:00Z')).obj(), plan });
    expect(fed.status).toEqual(first.status);
    expect(again.status.conditions?.[0]?.lastTransitionTime).not.toBe(first.status.conditions?.[0]?.lastTransitionTime);
  });

  it('reports the leaderboard and the round of a federated plan', () => {
    const plan = makePlan().fedAvg({
      rounds: 2,
      trainers: [{ namespace: 'org-a', datasetRef: { name: 'd' } }],
      trainAlgo: { name: 'train' },
      aggregateAlgo: { name: 'train' },
      testAlgo: { name: 'test' },
    });
    const jobs = [
      taskJob('r1-train-0').succeeded(),
      taskJob('r1-aggregate').succeeded(),
      taskJob('r1-test-0').succeeded('perf').metrics({ accuracy: 0.81, auc: 0.7 }),
      taskJob('r2-train-0').succeeded(),
      taskJob('r2-aggregate').running(),
    ];
    const d = decide(world(plan, ...jobs).algos(makeAlgo('test').outputs('perf')).datasets(makeDataset('d')).obj());
    expect(d.status.round).toBe(2);
    expect(d.status.performances).toEqual([
      { task: 'r1-test-0', namespace: 'org-a', round: 1, metric: 'accuracy', value: 0.81 },
      { task: 'r1-test-0', namespace: 'org-a', round: 1, metric: 'auc', value: 0.7 },
    ]);
    expect(d.status.best).toBe('accuracy=0.81 (r1-test-0)');
  });
});

describe('decide with a personalized strategy', () => {
  const personalized = { rounds: 1, trainers: [{ namespace: 'org-b', datasetRef: { name: 'd' } }], trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'train' } };

  it("fails a task that would read a trainer's local head in another namespace, Unauthorized, and starts nothing (FailFast)", () => {
    const plan = makePlan().spec({ strategy: { personalized } }).task(makeTask('peek').in('org-c').from('head', 'r1-train-0', 'head'));
    const d = decide(world(plan).datasets(makeDataset('d', 'org-b').authorize('org-a')).obj());
    expect(d.create).toEqual([]);
    expect(d.status.failedTasks?.map(({ task, reason }) => ({ task, reason }))).toEqual([{ task: 'peek', reason: 'Unauthorized' }]);
    expect(d.status.failedTasks?.[0]?.message).toMatch(/local head that never leaves namespace org-b/);
  });

  it('lets a task in the head’s own namespace read it', () => {
    const plan = makePlan().spec({ strategy: { personalized } }).task(makeTask('reuse').in('org-b').dataset('data', 'd').from('head', 'r1-train-0', 'head'));
    const d = decide(observe(plan).algos(makeAlgo().outputs('model', 'head')).datasets(makeDataset('d', 'org-b').authorize('org-a')).obj());
    expect(d.status.failedTasks ?? []).toEqual([]);
  });
});

describe('decide at the largest plan', () => {
  const namespaces = Array.from({ length: 99 }, (_, i) => `organization-with-a-rather-long-namespace-name-number-${String(i).padStart(3, '0')}`);
  const plan = makePlan('federated-learning-plan-with-a-name-as-long-as-kubernetes-allows').fedAvg({
    rounds: 25,
    trainers: namespaces.map((namespace) => ({ namespace, datasetRef: { name: 'training-data' } })),
    trainAlgo: { name: 'train' },
    aggregateAlgo: { name: 'train' },
    testAlgo: { name: 'test' },
  });
  const tasks = decide(observe(plan).obj()).status.counts?.total ?? 0;

  it('holds close to maxTasks tasks', () => {
    expect(tasks).toBe(25 * 100 + 25 * 99);
  });

  it('keeps the status of a finished 5000-task plan far below 256 KiB', () => {
    const taskNames = [...Array(25).keys()].flatMap((r) => [
      ...namespaces.map((ns, i) => [`r${r + 1}-train-${i}`, ns] as const),
      [`r${r + 1}-aggregate`, 'org-a'] as const,
      ...namespaces.map((ns, i) => [`r${r + 1}-test-${i}`, ns] as const),
    ]);
    const metrics = { 'accuracy_on_the_held_out_validation_split_of_the_organization_dataset': 0.5, 'area_under_the_receiver_operating_characteristic_curve': 0.6, loss: -1.25 };
    const jobs = taskNames.map(([task, ns], i) => {
      const job = taskJob(task, ns).succeeded();
      return task.includes('-test-') ? job.metrics(Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v + i / 1e6]))) : job;
    });
    const d = decide(observe(plan).algos(makeAlgo(), makeAlgo('test')).jobs(...jobs.map((j) => j.label('tessera.dev/plan-uid', 'uid-federated-learning-plan-with-a-name-as-long-as-kubernetes-allows'))).obj());
    expect(d.status.counts).toMatchObject({ total: tasks, succeeded: tasks });
    expect(d.status.performances).toHaveLength(maxPerformances);
    expect(JSON.stringify(d.status).length).toBeLessThan(256 * 1024);
  });

  it('keeps the status small when every task waits on something missing', () => {
    const d = decide(observe(plan).obj());
    expect(condition(d, 'Stalled')?.reason).toBe('DependencyNotFound');
    expect(JSON.stringify(d.status).length).toBeLessThan(16 * 1024);
  });

  it('keeps the status small when every trainer is unauthorized and everything after them canceled', () => {
    const d = decide(observe(plan).algos(makeAlgo(), makeAlgo('test')).datasets(...namespaces.map((ns) => makeDataset('training-data', ns))).obj());
    expect(d.status).toMatchObject({ phase: 'Failed', counts: { failed: 99, canceled: tasks - 99 } });
    expect(JSON.stringify(d.status).length).toBeLessThan(16 * 1024);
  });
});
