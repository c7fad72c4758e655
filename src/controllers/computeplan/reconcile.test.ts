import { describe, expect, it } from 'vitest';
import type { Algo } from '../../api/algo.ts';
import type { ComputePlan } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import { createLogger } from '../../runtime/logger.ts';
import { grantAccess } from '../../storage/access.ts';
import { testNamespaceUid } from '../../../test/support/job-builders.ts';
import { memoryStore } from '../../storage/memory-store.ts';
import { digestOf, makeAlgo, makeDataset, makePlan, makeTask } from '../../../test/support/plan-builders.ts';
import { planWorld, type PlanWorld } from '../../../test/support/plan-world.ts';
import { apiError } from '../../../test/support/write-log.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { planFinalizer, taskJobName } from './names.ts';
import { reconcilePlan, type PlanReconcilerDeps } from './reconcile.ts';
import type { PlanWrites } from './writes.ts';

// The grant lines of the plan reconciler, against an in-memory store: a plan lends only what the
// namespace it lends from holds, whatever its caches say, and withdraws loans whose backing ended.
// Then its ordering invariants, pass by pass, against in-memory caches and recording writers
// (test/support/plan-world.ts): what it writes, in which order, and what it waits for.

function cacheOf<T extends { metadata: { name: string; namespace?: string } }>(items: () => readonly T[]): ObjectCache<T> {
  return {
    get: (namespace, name) => items().find((i) => i.metadata.namespace === namespace && i.metadata.name === name),
    list: () => items(),
    byIndex: () => [],
  };
}

const code = digestOf('code');
const log = createLogger({ level: 'silent' });

function world(): { deps: PlanReconcilerDeps; created: TesseraJob[]; datasets: Dataset[]; store: ReturnType<typeof memoryStore> } {
  const plan: ComputePlan = makePlan().task(makeTask('t').in('org-b').dataset('data', 'cifar')).obj();
  plan.metadata.finalizers = [planFinalizer];
  const algos: Algo[] = [makeAlgo().spec({ code: { digest: code } }).obj()];
  const datasets: Dataset[] = [makeDataset('cifar', 'org-b').authorize('org-a').obj()];
  const created: TesseraJob[] = [];
  const store = memoryStore();
  const writes = {
    createJob: (job: TesseraJob) => {
      created.push({ ...job, metadata: { ...job.metadata, uid: `uid-${job.metadata.name}` } });
      return Promise.resolve(true);
    },
    writeStatus: () => Promise.resolve(),
  } as unknown as PlanWrites;
  const deps: PlanReconcilerDeps = {
    plans: cacheOf(() => [plan]),
    jobsOfPlan: () => created,
    algos: cacheOf(() => algos),
    datasets: cacheOf(() => datasets),
    namespaceUid: testNamespaceUid,
    store,
    writes,
    clock: { now: () => Date.parse('2026-01-01T01:00:00Z') },
  };
  return { deps, created, datasets, store };
}

describe('reconcilePlan: what the plan lends', () => {
  it("starts nothing and lends nothing when the plan's namespace does not hold its Ready Algo's code", async () => {
    const { deps, created, store } = world();
    await reconcilePlan('org-a/plan', log, deps);
    expect(created).toEqual([]);
    expect(store.keys()).toEqual([]);
  });

  it('lends held code to the task namespace before creating its Job, and withdraws it when the Dataset stops authorizing the plan', async () => {
    const { deps, created, datasets, store } = world();
    await grantAccess(store, testNamespaceUid, 'org-a', code);
    await reconcilePlan('org-a/plan', log, deps);
    expect(created.map((j) => `${j.metadata.namespace}/${j.spec.code?.digest}`)).toEqual([`org-b/${code}`]);
    const hex = code.slice('sha256:'.length);
    expect(store.keys()).toEqual([`holdings/nsuid-org-a/${hex}`, `lent-index/uid-plan/nsuid-org-b/${hex}`, `lent/nsuid-org-b/${hex}/uid-plan`]);

    datasets[0]!.spec.permissions = { public: false, authorizedNamespaces: [] };
    await reconcilePlan('org-a/plan', log, deps);
    expect(store.keys()).toEqual([`holdings/nsuid-org-a/${hex}`]);
  });
});

const hex = code.slice('sha256:'.length);
/** The Job of task `t`, as the plan names it before any retry. */
const taskJob = `org-b/${taskJobName('plan', 't', 'uid-plan', '')}`;

/**
 * A plan of one task in `org-b` that runs the plan's Algo (whose code `org-a` holds) on a Dataset of
 * `org-b` that lets `org-a` compute on it: the task's Job needs the code lent to `org-b`.
 */
async function lendingPlan(world: PlanWorld, finalizers: string[] = [planFinalizer]): Promise<ComputePlan> {
  await grantAccess(world.store, testNamespaceUid, 'org-a', code);
  const plan = makePlan().task(makeTask('t').in('org-b').dataset('data', 'cifar')).obj();
  plan.metadata.finalizers = finalizers;
  world.plans.put(plan);
  world.algos.put(makeAlgo().spec({ code: { digest: code } }).obj());
  world.datasets.put(makeDataset('cifar', 'org-b').authorize('org-a').obj());
  return plan;
}

/** Lets the informers report the plan's last write and the Jobs it created, as their watch events would. */
function deliver(world: PlanWorld): void {
  world.plans.put(world.writes.stored('org-a', 'plan'));
  world.jobs.put(...world.writes.created());
}

describe('reconcilePlan: the order of its writes', () => {
  it('puts its own finalizer on before anything else, and starts nothing until the cache shows it', async () => {
    const world = planWorld();
    await lendingPlan(world, []);

    expect(await world.reconcile()).toBeUndefined();
    expect(world.log.entries).toEqual(['setPlanFinalizer ComputePlan org-a/plan true']);

    deliver(world);
    await world.reconcile();
    expect(world.log.since(1)).toContain(`createJob Job ${taskJob}`);
  });

  it("lends a task's namespace the code it reads (index first) before creating the task's Job, then writes status", async () => {
    const world = planWorld();
    await lendingPlan(world);

    expect(await world.reconcile()).toEqual({ requeueAfterMs: 60_000 });
    expect(world.log.entries).toEqual([`put lent-index/uid-plan/nsuid-org-b/${hex}`, `put lent/nsuid-org-b/${hex}/uid-plan`, `createJob Job ${taskJob}`, 'writeStatus ComputePlan org-a/plan Running 0/1']);
  });

  it('creates nothing when a loan cannot be written: a Job that exists could start without its inputs', async () => {
    const world = planWorld();
    await lendingPlan(world);
    world.log.failNext('put lent/', new Error('the store is unreachable'));

    await expect(world.reconcile()).rejects.toThrow('the store is unreachable');
    expect(world.log.entries).toEqual([`put lent-index/uid-plan/nsuid-org-b/${hex}`, `put lent/nsuid-org-b/${hex}/uid-plan`]);
  });

  it('writes a status that counts its creates as landed, so the pass that sees the new Job writes nothing', async () => {
    const world = planWorld();
    await lendingPlan(world);
    await world.reconcile();

    deliver(world);
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 60_000 });
    expect(world.log.since(4)).toEqual([]);
  });

  it('creating again before the cache shows the Job is harmless: AlreadyExists, no refusal, the same status', async () => {
    const world = planWorld();
    await lendingPlan(world);
    await world.reconcile();

    world.plans.put(world.writes.stored('org-a', 'plan'));
    await world.reconcile();
    expect(world.log.since(4)).toEqual([`put lent-index/uid-plan/nsuid-org-b/${hex}`, `put lent/nsuid-org-b/${hex}/uid-plan`, `createJob Job ${taskJob}`]);
    expect(world.writes.created()).toHaveLength(1);
  });

  it('records a task whose Job the API server refuses in status, with a Warning; the next pass fails it, and none creates it again', async () => {
    const world = planWorld();
    await lendingPlan(world);
    world.log.failNext('createJob', apiError(403, 'Forbidden', 'admission webhook "policy.example.com" denied the request'));

    await world.reconcile();
    expect(world.log.since(2)).toEqual([`createJob Job ${taskJob}`, 'writeStatus ComputePlan org-a/plan Running 0/1', 'event Warning InvalidSpec org-a/plan']);
    expect(world.writes.stored('org-a', 'plan').status?.refusedTasks).toEqual([
      { task: 't', message: `the API server refused Job ${taskJob}: admission webhook "policy.example.com" denied the request` },
    ]);

    // From the recorded refusal the task fails, the plan with it (its failure policy), and what it lent goes.
    deliver(world);
    await world.reconcile();
    expect(world.log.since(5)).toEqual([`delete lent/nsuid-org-b/${hex}/uid-plan`, `delete lent-index/uid-plan/nsuid-org-b/${hex}`, 'writeStatus ComputePlan org-a/plan Failed 1/1', 'event Warning InvalidSpec org-a/plan']);

    deliver(world);
    expect(await world.reconcile()).toBeUndefined();
    expect(world.log.since(9)).toEqual([]);
  });
});

describe('reconcilePlan: following its Jobs', () => {
  it('withdraws what it lent once its last task succeeded, then writes Succeeded, and is not requeued', async () => {
    const world = planWorld();
    await lendingPlan(world);
    await world.reconcile();
    deliver(world);
    const [job] = world.writes.created();
    world.jobs.put({ ...job!, status: { phase: 'Succeeded', reason: 'Completed', outputs: [{ name: 'model', digest: digestOf('t/model'), files: 1, bytes: 1 }] } });

    expect(await world.reconcile()).toBeUndefined();
    expect(world.log.since(4)).toEqual([`delete lent/nsuid-org-b/${hex}/uid-plan`, `delete lent-index/uid-plan/nsuid-org-b/${hex}`, 'writeStatus ComputePlan org-a/plan Succeeded 1/1', 'event Normal Succeeded org-a/plan']);
  });

  it("lets go of a task Job someone deleted (the plan's finalizer) first, then lends and creates the task's Job again", async () => {
    const world = planWorld();
    await lendingPlan(world);
    await world.reconcile();
    deliver(world);
    const [job] = world.writes.created();
    world.jobs.put({ ...job!, metadata: { ...job!.metadata, deletionTimestamp: '2026-01-01T01:05:00Z' } });

    // The create is AlreadyExists while the old Job lingers, and succeeds on a pass after it is gone.
    await world.reconcile();
    expect(world.log.since(4)).toEqual([`dropJobFinalizer Job ${taskJob}`, `put lent-index/uid-plan/nsuid-org-b/${hex}`, `put lent/nsuid-org-b/${hex}/uid-plan`, `createJob Job ${taskJob}`]);
  });
});

describe('reconcilePlan: deleting the plan', () => {
  it('withdraws its loans and deletes its Jobs in other namespaces, and keeps its own finalizer until they are gone', async () => {
    const world = planWorld();
    await lendingPlan(world);
    await world.reconcile();
    deliver(world);
    const plan = world.writes.stored('org-a', 'plan');
    world.plans.put({ ...plan, metadata: { ...plan.metadata, deletionTimestamp: '2026-01-01T01:05:00Z' } });
    const before = world.log.entries.length;

    await world.reconcile();
    expect(world.log.since(before)).toEqual([`delete lent/nsuid-org-b/${hex}/uid-plan`, `delete lent-index/uid-plan/nsuid-org-b/${hex}`, `deleteJob Job ${taskJob}`]);

    // The Job shows being deleted, held by the plan's finalizer: the plan lets it go, and still waits.
    const [job] = world.writes.created();
    world.jobs.put({ ...job!, metadata: { ...job!.metadata, deletionTimestamp: '2026-01-01T01:05:01Z' } });
    await world.reconcile();
    expect(world.log.since(before + 3)).toEqual([`dropJobFinalizer Job ${taskJob}`]);

    world.jobs.remove('org-b', job!.metadata.name);
    await world.reconcile();
    expect(world.log.since(before + 4)).toEqual(['setPlanFinalizer ComputePlan org-a/plan false']);
  });
});
