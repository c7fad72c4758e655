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
import type { ObjectCache } from '../shared/object-cache.ts';
import { planFinalizer } from './names.ts';
import { reconcilePlan, type PlanReconcilerDeps } from './reconcile.ts';
import type { PlanWrites } from './writes.ts';

// The grant lines of the plan reconciler, against an in-memory store: a plan lends only what the
// namespace it lends from holds, whatever its caches say, and withdraws loans whose backing ended.

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
