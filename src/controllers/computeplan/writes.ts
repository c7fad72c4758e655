import * as k8s from '@kubernetes/client-node';
import type { ComputePlan, ComputePlanStatus } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { refusalMessage } from '../shared/refusal.ts';
import { ignoreNotFound, mergePatch, objectCreator, statusWriter, tesseraGroup } from '../shared/tessera-writes.ts';
import { outputsReleasedAnnotation, planFinalizer } from './names.ts';
import type { JobRef } from './schedule.ts';

// The ComputePlan controller's writes: the thin I/O edge around decide(). Every one is idempotent
// (a repeat after a crash is a no-op or AlreadyExists/NotFound), so a reconcile may stop anywhere.

/**
 * What creating a task's Job came to: created, already there (a repeat, or a name someone else holds:
 * the next decide tells them apart), or refused for good by the API server, with its message.
 */
export type JobCreation = 'created' | 'exists' | { refused: string };

/** What the plan reconciler writes. */
export interface PlanWrites {
  createJob(job: TesseraJob): Promise<JobCreation>;
  cancelJob(ref: JobRef): Promise<void>;
  /**
   * Deletes a Job (only the one with ref.uid). The plan's finalizer on it goes on a later pass, when
   * the cache shows the Job deleting (dropJobFinalizer, at its resourceVersion): never another's.
   */
  deleteJob(ref: JobRef): Promise<void>;
  releaseOutputs(ref: JobRef): Promise<void>;
  /** Removes the plan's finalizer from a Job (a deleted one may then go). */
  dropJobFinalizer(job: Readonly<TesseraJob>): Promise<void>;
  /** Adds or removes the plan's own finalizer; writes with the cached resourceVersion. */
  setPlanFinalizer(plan: Readonly<ComputePlan>, present: boolean): Promise<void>;
  writeStatus(plan: Readonly<ComputePlan>, status: ComputePlanStatus): Promise<void>;
}


function withoutFinalizer(finalizers: readonly string[] | undefined): string[] {
  return (finalizers ?? []).filter((f) => f !== planFinalizer);
}

/** The writes through the API server. */
export function apiPlanWrites(custom: k8s.CustomObjectsApi): PlanWrites {
  const patchJob = (ref: JobRef, body: object): Promise<void> =>
    ignoreNotFound(custom.patchNamespacedCustomObject({ ...tesseraGroup, plural: 'jobs', namespace: ref.namespace, name: ref.name, body }, mergePatch));
  const create = objectCreator<TesseraJob>(custom, 'jobs');
  const writes: PlanWrites = {
    async createJob(job) {
      try {
        return (await create(job)) ? 'created' : 'exists';
      } catch (error) {
        const refused = refusalMessage(error);
        if (refused === undefined) throw error;
        return { refused };
      }
    },
    cancelJob: (ref) => patchJob(ref, { spec: { cancel: true } }),
    async deleteJob(ref) {
      const preconditions = ref.uid ? { uid: ref.uid } : undefined;
      await ignoreNotFound(custom.deleteNamespacedCustomObject({ ...tesseraGroup, plural: 'jobs', namespace: ref.namespace, name: ref.name, propagationPolicy: 'Background', body: { preconditions } }));
    },
    releaseOutputs: (ref) => patchJob(ref, { metadata: { annotations: { [outputsReleasedAnnotation]: 'true' } } }),
    dropJobFinalizer: (job) =>
      patchJob(
        { namespace: job.metadata.namespace ?? '', name: job.metadata.name },
        { metadata: { finalizers: withoutFinalizer(job.metadata.finalizers), resourceVersion: job.metadata.resourceVersion } },
      ),
    async setPlanFinalizer(plan, present) {
      const others = withoutFinalizer(plan.metadata.finalizers);
      const finalizers = present ? [...others, planFinalizer] : others;
      const body = { metadata: { finalizers, resourceVersion: plan.metadata.resourceVersion } };
      await custom.patchNamespacedCustomObject({ ...tesseraGroup, plural: 'computeplans', namespace: plan.metadata.namespace ?? '', name: plan.metadata.name, body }, mergePatch);
    },
    writeStatus: statusWriter<ComputePlan, ComputePlanStatus>(custom, 'computeplans'),
  };
  return writes;
}
