import type { Algo } from '../../src/api/algo.ts';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { Dataset } from '../../src/api/dataset.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { planLabels } from '../../src/controllers/computeplan/names.ts';
import { reconcilePlan, type PlanReconcilerDeps } from '../../src/controllers/computeplan/reconcile.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import type { ReconcileResult } from '../../src/runtime/controller.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { memoryStore, type MemoryStore } from '../../src/storage/memory-store.ts';
import { FakeCache } from './fake-cache.ts';
import { RecordingPlanWrites } from './recording-plan-writes.ts';
import { recordingStore } from './recording-store.ts';
import { recordingEvents, WriteLog } from './write-log.ts';
import { testNamespaceUid } from './job-builders.ts';

// The ComputePlan reconciler wired as the operator wires it (controllers.ts), with every cache in
// memory and every write (the object store's grants and loans included) recorded in one log.

const log = createLogger({ level: 'silent' });
const planUidIndex = 'plan-uid';

/** Caches, writers and clock of one plan reconciler; a test reads and feeds them between passes. */
export interface PlanWorld {
  deps: PlanReconcilerDeps;
  plans: FakeCache<ComputePlan>;
  /** Tessera Jobs of every namespace; the reconciler finds a plan's by its uid label. */
  jobs: FakeCache<TesseraJob>;
  algos: FakeCache<Algo>;
  datasets: FakeCache<Dataset>;
  writes: RecordingPlanWrites;
  log: WriteLog;
  clock: ManualClock;
  /** The object store behind grants and loans, unlogged: what namespaces hold before the test. */
  store: MemoryStore;
  /** One pass of the reconciler over `namespace/name`, as a worker runs it for a key from the queue. */
  reconcile(key?: string): Promise<ReconcileResult | void>;
}

export function planWorld(): PlanWorld {
  const writeLog = new WriteLog();
  const clock = new ManualClock(Date.parse('2026-01-01T01:00:00Z'));
  const store = memoryStore(() => new Date(clock.now()));
  const jobs = new FakeCache<TesseraJob>({ indexes: { [planUidIndex]: (job) => job.metadata.labels?.[planLabels.planUid] } });
  const world = {
    plans: new FakeCache<ComputePlan>(),
    jobs,
    algos: new FakeCache<Algo>(),
    datasets: new FakeCache<Dataset>(),
    writes: new RecordingPlanWrites(writeLog),
    log: writeLog,
    clock,
    store,
  };
  const deps: PlanReconcilerDeps = {
    plans: world.plans,
    jobsOfPlan: (uid) => jobs.byIndex(planUidIndex, uid),
    algos: world.algos,
    datasets: world.datasets,
    namespaceUid: testNamespaceUid,
    store: recordingStore(writeLog, store),
    writes: world.writes,
    events: recordingEvents(writeLog),
    clock,
  };
  return { ...world, deps, reconcile: (key = 'org-a/plan') => reconcilePlan(key, log, deps) };
}
