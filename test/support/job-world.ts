import type * as k8s from '@kubernetes/client-node';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { defaultJobRuntimeConfig, desiredBatchJob } from '../../src/controllers/job/desired.ts';
import { labels } from '../../src/controllers/job/names.ts';
import { reconcileJob, type JobReconcilerDeps } from '../../src/controllers/job/reconcile.ts';
import type { ResolveLookups } from '../../src/controllers/job/resolve.ts';
import { trimBatchJob, trimPod } from '../../src/operator/cache-trim.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import type { ReconcileResult } from '../../src/runtime/controller.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { UnseenWrites } from '../../src/runtime/unseen-writes.ts';
import { memoryStore, type MemoryStore } from '../../src/storage/memory-store.ts';
import { resultSigningKey, type SigningKeys } from '../../src/storage/result-record.ts';
import { FakeCache } from './fake-cache.ts';
import { emptyLookups, readyRun } from './job-builders.ts';
import { RecordingJobWrites } from './recording-job-writes.ts';
import { recordingStore } from './recording-store.ts';
import { recordingEvents, WriteLog } from './write-log.ts';

// The Job reconciler wired as the operator wires it (controllers.ts), with every cache in memory and
// every write recorded in one log: a reconcile is a function call, and a test drives the passes and
// the informers' deliveries itself.

/** The key the operator seals runs with in these tests. */
export const sealKey = resultSigningKey('s'.repeat(32));
/** When every test starts. */
export const worldStart = Date.parse('2026-01-01T01:00:00Z');

const log = createLogger({ level: 'silent' });

/** Caches, writers and clock of one Job reconciler; a test reads and feeds them between passes. */
export interface JobWorld {
  deps: JobReconcilerDeps;
  jobs: FakeCache<TesseraJob>;
  plans: FakeCache<ComputePlan>;
  batchJobs: FakeCache<k8s.V1Job>;
  pods: FakeCache<k8s.V1Pod>;
  writes: RecordingJobWrites;
  log: WriteLog;
  clock: ManualClock;
  /** The object store behind the operator's file sets, unlogged: what namespaces hold before the test. */
  store: MemoryStore;
  /** One pass of the reconciler over `namespace/name`, as a worker runs it for a key from the queue. */
  reconcile(key?: string): Promise<ReconcileResult | void>;
}

/** What a world is built with; by default an operator with an object store, which seals its runs. */
export interface JobWorldOptions {
  objectStore?: boolean;
  lookups?: ResolveLookups;
}

export function jobWorld(options: JobWorldOptions = {}): JobWorld {
  const writeLog = new WriteLog();
  const clock = new ManualClock(worldStart);
  const store = memoryStore(() => new Date(clock.now()));
  const world = {
    jobs: new FakeCache<TesseraJob>(),
    plans: new FakeCache<ComputePlan>(),
    batchJobs: new FakeCache<k8s.V1Job>({ trim: trimBatchJob }),
    pods: new FakeCache<k8s.V1Pod>({ trim: trimPod, indexes: { [labels.jobUid]: (pod) => pod.metadata?.labels?.[labels.jobUid] } }),
    writes: new RecordingJobWrites(writeLog, clock),
    log: writeLog,
    clock,
    store,
  };
  const deps: JobReconcilerDeps = {
    jobs: world.jobs,
    plans: world.plans,
    batchJobs: world.batchJobs,
    pods: world.pods,
    lookups: options.lookups ?? emptyLookups,
    fileSets: options.objectStore === false ? undefined : { store: recordingStore(writeLog, store), signingKey: [sealKey] },
    writes: world.writes,
    events: recordingEvents(writeLog),
    config: defaultJobRuntimeConfig,
    clock,
    unseenWrites: new UnseenWrites(clock),
  };
  return { ...world, deps, reconcile: (key = 'team-a/train') => reconcileJob(key, log, deps) };
}

/**
 * The batch Job the operator creates for `job` (sealed with `keys`; unsealed when empty), as the API
 * server returns it: with a uid and a creation time. Put it in `batchJobs`, which trims it.
 */
export function runOf(job: TesseraJob, keys: SigningKeys = [sealKey], created = new Date(worldStart)): k8s.V1Job {
  const batchJob = desiredBatchJob(job, readyRun(job), defaultJobRuntimeConfig, keys.length ? keys : undefined);
  batchJob.metadata = { ...batchJob.metadata, uid: `uid-${batchJob.metadata?.name}`, creationTimestamp: created };
  return batchJob;
}
