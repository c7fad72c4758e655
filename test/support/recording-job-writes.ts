import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob, TesseraJobStatus } from '../../src/api/job.ts';
import type { KueueWorkload } from '../../src/controllers/job/kueue.ts';
import type { BatchJobCreation, JobWrites } from '../../src/controllers/job/writes.ts';
import { refusalMessage } from '../../src/controllers/shared/refusal.ts';
import type { Clock } from '../../src/runtime/clock.ts';
import { isAlreadyExists } from '../../src/runtime/kube-client.ts';
import { apiError, nextVersion, type WriteLog } from './write-log.ts';

// The Job controller's writes, in memory: each call goes to the shared log, and what the API server
// would then hold is kept, so a test delivers it to the cache when it chooses (the informer's event).
// Status is replaced at the cached resourceVersion, as the status subresource does: a write from a
// copy older than the last write is a 409 Conflict.

const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

export class RecordingJobWrites implements JobWrites {
  /** Tessera Jobs as the API server holds them after this writer's writes, by `namespace/name`. */
  readonly jobs = new Map<string, TesseraJob>();
  /** Batch Jobs as the API server holds them after this writer's creates and deletes. */
  readonly batchJobs = new Map<string, k8s.V1Job>();
  /** What readPlanUid answers, by `namespace/name`: a plan not here is gone. */
  readonly planUids = new Map<string, string>();
  /** What readWorkload answers (Kueue's Workloads), by batch Job uid: none when not here. */
  readonly workloads = new Map<string, KueueWorkload>();
  private readonly log: WriteLog;
  private readonly clock: Clock;

  constructor(log: WriteLog, clock: Clock) {
    this.log = log;
    this.clock = clock;
  }

  /** The Tessera Job the API server holds now, to put in the cache; throws when nothing was written. */
  stored(namespace: string, name: string): TesseraJob {
    const job = this.jobs.get(keyOf(namespace, name));
    if (!job) throw new Error(`no write to Job ${namespace}/${name}`);
    return structuredClone(job);
  }

  /** The batch Job created under `name`, as the API server returns it (uid, creation time); throws when none was. */
  created(namespace: string, name: string): k8s.V1Job {
    const batchJob = this.batchJobs.get(keyOf(namespace, name));
    if (!batchJob) throw new Error(`no batch Job ${namespace}/${name} was created`);
    return structuredClone(batchJob);
  }

  /** As apiJobWrites: AlreadyExists is 'exists', 422 and 403 (not quota) are refusals, the rest throws. */
  createBatchJob(_owner: TesseraJob, batchJob: k8s.V1Job): Promise<BatchJobCreation> {
    const key = keyOf(batchJob.metadata?.namespace, batchJob.metadata?.name);
    const failure = this.log.record(`createBatchJob ${key}`) ?? (this.batchJobs.has(key) ? apiError(409, 'AlreadyExists') : undefined);
    if (failure === undefined) {
      const metadata = { ...batchJob.metadata, uid: `uid-${batchJob.metadata?.name}`, resourceVersion: '1', creationTimestamp: new Date(this.clock.now()) };
      this.batchJobs.set(key, { ...structuredClone(batchJob), metadata });
      return Promise.resolve('created');
    }
    if (isAlreadyExists(failure)) return Promise.resolve('exists');
    const refused = refusalMessage(failure);
    return refused === undefined ? Promise.reject(new Error(`creating batch Job ${batchJob.metadata?.name}`, { cause: failure })) : Promise.resolve({ refused });
  }

  readWorkload(_namespace: string, batchJobUid: string): Promise<KueueWorkload | undefined> {
    return Promise.resolve(this.workloads.get(batchJobUid));
  }

  deleteBatchJob(batchJob: Readonly<k8s.V1Job>): Promise<void> {
    const key = keyOf(batchJob.metadata?.namespace, batchJob.metadata?.name);
    const failure = this.log.record(`deleteBatchJob ${key}`);
    if (failure) return Promise.reject(failure);
    this.batchJobs.delete(key);
    return Promise.resolve();
  }

  writeStatus(job: TesseraJob, status: TesseraJobStatus): Promise<void> {
    const failure = this.log.record(`writeStatus Job ${keyOf(job.metadata.namespace, job.metadata.name)} ${status.phase}/${status.reason ?? ''}`);
    return failure ? Promise.reject(failure) : this.replace(job, { status });
  }

  readPlanUid(namespace: string, name: string): Promise<string | undefined> {
    const failure = this.log.record(`readPlanUid ${namespace}/${name}`);
    return failure ? Promise.reject(failure) : Promise.resolve(this.planUids.get(keyOf(namespace, name)));
  }

  dropFinalizer(job: Readonly<TesseraJob>, finalizer: string): Promise<void> {
    const failure = this.log.record(`dropFinalizer Job ${keyOf(job.metadata.namespace, job.metadata.name)} ${finalizer}`);
    if (failure) return Promise.reject(failure);
    const finalizers = (job.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    return this.replace(job, { metadata: { ...job.metadata, finalizers } });
  }

  deleteJob(job: Readonly<TesseraJob>): Promise<void> {
    const failure = this.log.record(`deleteJob Job ${keyOf(job.metadata.namespace, job.metadata.name)}`);
    if (failure) return Promise.reject(failure);
    // A delete is preconditioned on the uid, not the resourceVersion: it never conflicts.
    const current = this.jobs.get(keyOf(job.metadata.namespace, job.metadata.name)) ?? job;
    return this.replace(current, { metadata: { ...current.metadata, deletionTimestamp: new Date(this.clock.now()).toISOString() } });
  }

  /** Stores `job` changed by `change` at the next resourceVersion, unless the copy written from is stale. */
  private replace(job: Readonly<TesseraJob>, change: Partial<TesseraJob>): Promise<void> {
    const key = keyOf(job.metadata.namespace, job.metadata.name);
    const current = this.jobs.get(key);
    if (current && current.metadata.resourceVersion !== job.metadata.resourceVersion) return Promise.reject(apiError(409, 'Conflict', `the object has been modified; please apply your changes to the latest version`));
    const next = structuredClone<TesseraJob>({ ...job, ...change });
    next.metadata.resourceVersion = nextVersion(job.metadata.resourceVersion);
    this.jobs.set(key, next);
    return Promise.resolve();
  }
}
