import type { ComputePlan, ComputePlanStatus } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { planFinalizer } from '../../src/controllers/computeplan/names.ts';
import type { JobRef } from '../../src/controllers/computeplan/schedule.ts';
import type { JobCreation, PlanWrites } from '../../src/controllers/computeplan/writes.ts';
import { refusalMessage } from '../../src/controllers/shared/refusal.ts';
import { isAlreadyExists } from '../../src/runtime/kube-client.ts';
import { apiError, nextVersion, type WriteLog } from './write-log.ts';

// The ComputePlan controller's writes, in memory: each call goes to the shared log, and what the API
// server would then hold is kept for the test to deliver to the caches. The plan's status and
// finalizer are written at the cached resourceVersion, as apiPlanWrites does: from a copy older than
// the last write, a 409 Conflict.

const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

export class RecordingPlanWrites implements PlanWrites {
  /** ComputePlans as the API server holds them after this writer's writes, by `namespace/name`. */
  readonly plans = new Map<string, ComputePlan>();
  /** Tessera Jobs this writer created, as the API server holds them (with a uid), by `namespace/name`. */
  readonly jobs = new Map<string, TesseraJob>();
  private readonly log: WriteLog;

  constructor(log: WriteLog) {
    this.log = log;
  }

  /** The plan the API server holds now, to put in the cache; throws when nothing was written. */
  stored(namespace: string, name: string): ComputePlan {
    const plan = this.plans.get(keyOf(namespace, name));
    if (!plan) throw new Error(`no write to ComputePlan ${namespace}/${name}`);
    return structuredClone(plan);
  }

  /** Every Job created so far, as the API server returns it. */
  created(): TesseraJob[] {
    return [...this.jobs.values()].map((job) => structuredClone(job));
  }

  /** As apiPlanWrites: AlreadyExists is 'exists', 422 and 403 (not quota) are refusals, the rest throws. */
  createJob(job: TesseraJob): Promise<JobCreation> {
    const key = keyOf(job.metadata.namespace, job.metadata.name);
    const failure = this.log.record(`createJob Job ${key}`) ?? (this.jobs.has(key) ? apiError(409, 'AlreadyExists') : undefined);
    if (failure === undefined) {
      this.jobs.set(key, { ...structuredClone(job), metadata: { ...structuredClone(job.metadata), uid: `uid-${job.metadata.name}`, resourceVersion: '1' } });
      return Promise.resolve('created');
    }
    if (isAlreadyExists(failure)) return Promise.resolve('exists');
    const refused = refusalMessage(failure);
    return refused === undefined ? Promise.reject(failure) : Promise.resolve({ refused });
  }

  cancelJob(ref: JobRef): Promise<void> {
    return this.settle(this.log.record(`cancelJob Job ${keyOf(ref.namespace, ref.name)}`));
  }

  deleteJob(ref: JobRef): Promise<void> {
    return this.settle(this.log.record(`deleteJob Job ${keyOf(ref.namespace, ref.name)}`));
  }

  releaseOutputs(ref: JobRef): Promise<void> {
    return this.settle(this.log.record(`releaseOutputs Job ${keyOf(ref.namespace, ref.name)}`));
  }

  dropJobFinalizer(job: Readonly<TesseraJob>): Promise<void> {
    return this.settle(this.log.record(`dropJobFinalizer Job ${keyOf(job.metadata.namespace, job.metadata.name)}`));
  }

  setPlanFinalizer(plan: Readonly<ComputePlan>, present: boolean): Promise<void> {
    const failure = this.log.record(`setPlanFinalizer ComputePlan ${keyOf(plan.metadata.namespace, plan.metadata.name)} ${present}`);
    if (failure) return Promise.reject(failure);
    const others = (plan.metadata.finalizers ?? []).filter((f) => f !== planFinalizer);
    return this.replace(plan, { metadata: { ...plan.metadata, finalizers: present ? [...others, planFinalizer] : others } });
  }

  writeStatus(plan: Readonly<ComputePlan>, status: ComputePlanStatus): Promise<void> {
    const failure = this.log.record(`writeStatus ComputePlan ${keyOf(plan.metadata.namespace, plan.metadata.name)} ${status.phase ?? ''} ${status.progress ?? ''}`);
    return failure ? Promise.reject(failure) : this.replace(plan, { status });
  }

  private settle(failure: Error | undefined): Promise<void> {
    return failure ? Promise.reject(failure) : Promise.resolve();
  }

  /** Stores `plan` changed by `change` at the next resourceVersion, unless the copy written from is stale. */
  private replace(plan: Readonly<ComputePlan>, change: Partial<ComputePlan>): Promise<void> {
    const key = keyOf(plan.metadata.namespace, plan.metadata.name);
    const current = this.plans.get(key);
    if (current && current.metadata.resourceVersion !== plan.metadata.resourceVersion) return Promise.reject(apiError(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version'));
    const next = structuredClone<ComputePlan>({ ...plan, ...change });
    next.metadata.resourceVersion = nextVersion(plan.metadata.resourceVersion);
    this.plans.set(key, next);
    return Promise.resolve();
  }
}
