import * as k8s from '@kubernetes/client-node';
import type { TesseraJob, TesseraJobStatus } from '../../api/job.ts';
import { isAlreadyExists, isNotFound, statusCode } from '../../runtime/kube-client.ts';
import { refusalMessage } from '../shared/refusal.ts';
import { workloadJobUidLabel, type KueueWorkload } from './kueue.ts';
import type { WorkloadReader } from './queue-observe.ts';
import { ignoreNotFound, mergePatch, tesseraGroup } from '../shared/tessera-writes.ts';

/**
 * What creating the batch Job came to: created, already there (a repeat after a crash or a stale
 * cache), or refused for good by the API server, with its message (see refusal.ts).
 */
export type BatchJobCreation = 'created' | 'exists' | { refused: string };

/** The Job controller's writes to the API: the thin I/O edge around the pure decisions. */
export interface JobWrites {
  createBatchJob(owner: TesseraJob, batchJob: k8s.V1Job): Promise<BatchJobCreation>;
  deleteBatchJob(batchJob: Readonly<k8s.V1Job>): Promise<void>;
  /** Replaces the status subresource at the cached resourceVersion: a 409 means re-read and retry. */
  writeStatus(job: TesseraJob, status: TesseraJobStatus): Promise<void>;
  /** The uid of a ComputePlan as the API server has it now (a live read); undefined when there is none. */
  readPlanUid(namespace: string, name: string): Promise<string | undefined>;
  /** Removes one finalizer, at the cached resourceVersion (a 409 means re-read): others' stay. */
  dropFinalizer(job: Readonly<TesseraJob>, finalizer: string): Promise<void>;
  /** Deletes the Tessera Job (only the one with its uid); its batch Job and pods go with it. */
  deleteJob(job: Readonly<TesseraJob>): Promise<void>;
  /** Kueue's Workload for a batch Job (a live read: a preemption must show at once); undefined when there is none, or no Kueue. */
  readWorkload: WorkloadReader;
}


const kueueWorkloads = { group: 'kueue.x-k8s.io', version: 'v1beta2', plural: 'workloads' } as const;

export interface JobWritesDeps {
  batch: k8s.BatchV1Api;
  custom: k8s.CustomObjectsApi;
}

/**
 * The batch Job is created, never applied: its pod template is fixed at creation (Kueue injects
 * into it), and a deterministic name makes a repeated create AlreadyExists, not a second run.
 */
export function apiJobWrites(deps: JobWritesDeps): JobWrites {
  return {
    async createBatchJob(owner, batchJob) {
      try {
        await deps.batch.createNamespacedJob({ namespace: owner.metadata.namespace ?? '', body: batchJob });
        return 'created';
      } catch (error) {
        if (isAlreadyExists(error)) return 'exists';
        const refused = refusalMessage(error);
        if (refused !== undefined) return { refused };
        throw new Error(`creating batch Job ${batchJob.metadata?.name}`, { cause: error });
      }
    },
    async deleteBatchJob(batchJob) {
      try {
        await deps.batch.deleteNamespacedJob({
          name: batchJob.metadata?.name ?? '',
          namespace: batchJob.metadata?.namespace ?? '',
          propagationPolicy: 'Background',
        });
      } catch (error) {
        if (!isNotFound(error)) throw new Error(`deleting batch Job ${batchJob.metadata?.name}`, { cause: error });
      }
    },
    async readPlanUid(namespace, name) {
      try {
        const plan = (await deps.custom.getNamespacedCustomObject({ ...tesseraGroup, plural: 'computeplans', namespace, name })) as { metadata?: { uid?: string } };
        return plan.metadata?.uid;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw new Error(`reading ComputePlan ${namespace}/${name}`, { cause: error });
      }
    },
    async dropFinalizer(job, finalizer) {
      const finalizers = (job.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      const body = { metadata: { finalizers, resourceVersion: job.metadata.resourceVersion } };
      await ignoreNotFound(deps.custom.patchNamespacedCustomObject({ ...tesseraGroup, plural: 'jobs', namespace: job.metadata.namespace ?? '', name: job.metadata.name, body }, mergePatch));
    },
    async deleteJob(job) {
      const body = { preconditions: { uid: job.metadata.uid } };
      await ignoreNotFound(deps.custom.deleteNamespacedCustomObject({ ...tesseraGroup, plural: 'jobs', namespace: job.metadata.namespace ?? '', name: job.metadata.name, propagationPolicy: 'Background', body }));
    },
    async readWorkload(namespace, batchJobUid) {
      try {
        const list = (await deps.custom.listNamespacedCustomObject({ ...kueueWorkloads, namespace, labelSelector: `${workloadJobUidLabel}=${batchJobUid}` })) as { items?: KueueWorkload[] };
        return list.items?.[0];
      } catch (error) {
        // No Workload kind (a cluster without Kueue) or no right to read it: the run just says it is queued.
        if (isNotFound(error) || statusCode(error) === 403) return undefined;
        throw new Error(`reading the Kueue Workload of batch Job uid ${batchJobUid}`, { cause: error });
      }
    },
    async writeStatus(job, status) {
      await deps.custom.replaceNamespacedCustomObjectStatus({
        group: 'tessera.dev',
        version: 'v1alpha1',
        plural: 'jobs',
        namespace: job.metadata.namespace ?? '',
        name: job.metadata.name,
        body: { ...job, status },
      });
    },
  };
}
