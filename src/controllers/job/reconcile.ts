import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob, TesseraJobStatus } from '../../api/job.ts';
import { JobPhase, JobReason, tesseraJobSpecSchema } from '../../api/job.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { Logger } from '../../runtime/logger.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { desiredBatchJob, type JobRuntimeConfig } from './desired.ts';
import { eventForTransition, jobEventSubject } from './events.ts';
import { batchJobName, labels } from './names.ts';
import { specHashAnnotation, runSpecHash } from './spec-hash.ts';
import { hasFinished, invalidSpecStatus, jobStatus, type ObservedRun } from './status.ts';
import type { JobWrites } from './writes.ts';

/** Everything the Job reconciler reads and writes; caches are read-only views of informers. */
export interface JobReconcilerDeps {
  jobs: ObjectCache<TesseraJob>;
  batchJobs: ObjectCache<k8s.V1Job>;
  pods: ObjectCache<k8s.V1Pod>;
  writes: JobWrites;
  events: Pick<EventRecorder, 'record'>;
  config: JobRuntimeConfig;
  clock: Clock;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function observe(job: TesseraJob, batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps): ObservedRun {
  const pods = deps.pods.byIndex(labels.jobUid, job.metadata.uid ?? '');
  const createdFrom = batchJob?.metadata?.annotations?.[specHashAnnotation];
  return { batchJob, pods, specChangedAfterStart: createdFrom !== undefined && createdFrom !== runSpecHash(job) };
}

async function stopRun(batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps, log: Logger): Promise<boolean> {
  if (!batchJob || batchJob.metadata?.deletionTimestamp) return false;
  await deps.writes.deleteBatchJob(batchJob);
  log.info({ batchJob: batchJob.metadata?.name }, 'canceled: deleting the batch Job and its pods');
  return true;
}

/**
 * Makes the run match the spec: creates the batch Job once (never again after a terminal phase,
 * when the batch Job may have expired), or deletes it when the Job is canceled. Returns true when
 * it wrote something or found the cache behind the cluster: either way the informers bring the
 * next state, and a status computed now would describe the past.
 */
async function convergeRun(job: TesseraJob, batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps, log: Logger): Promise<boolean> {
  if (hasFinished(job.status)) return false;
  if (job.spec.cancel) return stopRun(batchJob, deps, log);
  if (batchJob) return false;
  const desired = desiredBatchJob(job, deps.config);
  const created = await deps.writes.createBatchJob(job, desired);
  if (created) log.info({ batchJob: desired.metadata?.name }, 'created the batch Job');
  else log.debug({ batchJob: desired.metadata?.name }, 'the batch Job exists but is not cached yet');
  return true;
}

async function writeStatusIfChanged(job: TesseraJob, status: TesseraJobStatus, deps: JobReconcilerDeps, log: Logger): Promise<void> {
  if (job.status && jsonEqual(job.status, status)) return;
  log.debug({ from: job.status, to: status }, 'writing status');
  await deps.writes.writeStatus(job, status);
  if (status.phase !== job.status?.phase) log.info({ phase: status.phase, reason: status.reason }, status.message ?? status.phase);
  const event = eventForTransition(job.status, status);
  if (event) deps.events.record(jobEventSubject(job), event);
}

/**
 * Reconciles one Tessera Job: load → gone or deleting? stop → invalid? say so → converge the batch
 * Job → observe → status, written only when it changed. Safe to stop at any line: every step is
 * recomputed from the cluster on the next pass.
 */
export async function reconcileJob(key: string, log: Logger, deps: JobReconcilerDeps): Promise<ReconcileResult | void> {
  const [namespace, name] = splitKey(key);
  const job = deps.jobs.get(namespace, name);
  // The batch Job and its pods carry ownerReferences: the garbage collector removes them.
  if (!job || job.metadata.deletionTimestamp) return;

  const parsed = tesseraJobSpecSchema.safeParse(job.spec);
  if (!parsed.success) {
    await writeStatusIfChanged(job, invalidSpecStatus(job, parsed.error.issues, new Date(deps.clock.now())), deps, log);
    return;
  }

  const batchJob = deps.batchJobs.get(namespace, batchJobName(name, job.metadata.uid ?? ''));
  // Status is written from what the informers report next, not from what was just sent.
  if (await convergeRun(job, batchJob, deps, log)) return;
  const now = deps.clock.now();
  const status = jobStatus(job, observe(job, batchJob, deps), new Date(now));
  if (!job.status && isBriefWait(status, batchJob, now)) return { requeueAfterMs: briefWaitMs };
  await writeStatusIfChanged(job, status, deps, log);
}

/** How long a new run may sit in a plain "waiting for the pod" before that is worth a status write. */
const briefWaitMs = 15_000;

/**
 * A pod normally starts within a moment of its batch Job; writing "Pending" for that moment would
 * be one more API write per Job for nothing. Anything with a reason (Unschedulable, Queued, …) is
 * written at once, and a wait that lasts is written after briefWaitMs.
 */
function isBriefWait(status: TesseraJobStatus, batchJob: Readonly<k8s.V1Job> | undefined, now: number): boolean {
  if (status.phase !== JobPhase.Pending || status.reason !== JobReason.Pending || !batchJob) return false;
  const created = batchJob.metadata?.creationTimestamp;
  return created !== undefined && now - new Date(created).getTime() < briefWaitMs;
}
