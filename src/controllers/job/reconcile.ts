import type * as k8s from '@kubernetes/client-node';
import type { ComputePlan } from '../../api/computeplan.ts';
import type { TesseraJob, TesseraJobStatus } from '../../api/job.ts';
import { planFinalizer } from '../computeplan/names.ts';
import { planLink } from './orphan.ts';
import { JobPhase, JobReason, tesseraJobSpecSchema } from '../../api/job.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { UnseenWrites } from '../../runtime/unseen-writes.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import { hasAccess, type UidOf } from '../../storage/access.ts';
import type { ManifestCache } from '../../storage/manifest-cache.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import { resultAnnotation, verifyResult, type ResultRecord, type SigningKeys } from '../../storage/result-record.ts';
import { digestsRead, firstUnusableFileSet } from '../shared/fileset-check.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { desiredBatchJob, type JobRuntimeConfig } from './desired.ts';
import { eventForTransition, jobEventSubject } from './events.ts';
import { moverContainerNames, usesFileSets } from './mover-containers.ts';
import { batchJobName, labels } from './names.ts';
import { resolveRun, type EffectiveRun, type Resolution, type ResolveLookups } from './resolve.ts';
import { observedViewAnnotation, runSealAnnotation, verifyRunSeal } from './run-seal.ts';
import { specHashAnnotation, runSpecHash } from './spec-hash.ts';
import { hasFinished, invalidSpecStatus, jobStatus, nameTakenStatus, refusedStatus, resolutionStatus, type ObservedRun } from './status.ts';
import type { JobWrites } from './writes.ts';
import { queuedRecheckAfterMs, waitsForQueue, withWorkload } from './queue-observe.ts';
import { parseKey } from '../../runtime/object-key.ts';

/** The object store, when the operator has one: file sets need it, bare runs do not. */
export interface FileSetDeps {
  store: BlobStore;
  /** Verify the results the transfer API signed onto pods (any key of the ring). */
  signingKey: SigningKeys;
  /** Says whether a file set can be pulled at all (see controllers/shared/fileset-check.ts). */
  manifests?: Pick<ManifestCache, 'check'>;
}

/** Everything the Job reconciler reads and writes; caches are read-only views of informers. */
export interface JobReconcilerDeps {
  jobs: ObjectCache<TesseraJob>;
  /** ComputePlans, to tell whether the plan behind a Job's finalizer still exists. */
  plans?: ObjectCache<ComputePlan>;
  batchJobs: ObjectCache<k8s.V1Job>;
  pods: ObjectCache<k8s.V1Pod>;
  lookups: ResolveLookups;
  fileSets?: FileSetDeps;
  writes: JobWrites;
  events: Pick<EventRecorder, 'record'>;
  config: JobRuntimeConfig;
  clock: Clock;
  /** This process's status writes the Job cache does not show yet. */
  unseenWrites: UnseenWrites;
}

function controlledBy(pod: Readonly<k8s.V1Pod>, batchJob: Readonly<k8s.V1Job>): boolean {
  return pod.metadata?.ownerReferences?.some((ref) => ref.controller && ref.uid === batchJob.metadata?.uid) ?? false;
}

function newestFirst(pods: ReadonlyArray<Readonly<k8s.V1Pod>>): ReadonlyArray<Readonly<k8s.V1Pod>> {
  const created = (pod: Readonly<k8s.V1Pod>): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods].sort((a, b) => created(b) - created(a));
}

/** The newest signed result among the run's pods; forged or copied annotations do not verify. */
function resultOf(pods: ReadonlyArray<Readonly<k8s.V1Pod>>, fileSets: FileSetDeps | undefined): ResultRecord | undefined {
  if (!fileSets) return undefined;
  for (const pod of newestFirst(pods)) {
    const record = verifyResult(fileSets.signingKey, pod.metadata?.uid ?? '', pod.metadata?.annotations?.[resultAnnotation]);
    if (record) return record;
  }
  return undefined;
}

/** Whether the batch Job's pods run the push sidecar, so a success must come with a result. */
function pushesOutputs(batchJob: Readonly<k8s.V1Job> | undefined): boolean {
  const initContainers = batchJob?.spec?.template.spec?.initContainers ?? [];
  return initContainers.some((c) => c.name === moverContainerNames.push);
}

/**
 * The pods the current batch Job controls: not an earlier run's, nor one made to look like ours.
 * With no batch Job (deleted on cancel), every pod of the Job still counts until it is gone.
 */
function podsOf(job: TesseraJob, batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps): ReadonlyArray<Readonly<k8s.V1Pod>> {
  const pods = deps.pods.byIndex(labels.jobUid, job.metadata.uid ?? '');
  return batchJob ? pods.filter((p) => controlledBy(p, batchJob)) : pods;
}

function observe(job: TesseraJob, batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps): ObservedRun {
  const pods = podsOf(job, batchJob, deps);
  const createdFrom = batchJob?.metadata?.annotations?.[specHashAnnotation];
  const expectsResult = pushesOutputs(batchJob);
  return {
    batchJob,
    pods,
    specChangedAfterStart: createdFrom !== undefined && createdFrom !== runSpecHash(job),
    expectsResult,
    result: resultOf(pods, deps.fileSets),
  };
}

/**
 * Whether `batchJob` is the run the operator made for `job` (run-seal.ts): anyone who may create
 * batch Jobs in the namespace can take its deterministic name first. Without an object store there
 * are no keys, no transfer API and no data to protect: the name is enough.
 */
function isSealedFor(job: Readonly<TesseraJob>, batchJob: Readonly<k8s.V1Job>, deps: JobReconcilerDeps): boolean {
  if (!deps.fileSets) return true;
  const annotations = batchJob.metadata?.annotations ?? {};
  const subject = { namespace: job.metadata.namespace ?? '', jobUid: job.metadata.uid ?? '', batchJob: batchJob.metadata?.name ?? '' };
  return verifyRunSeal(deps.fileSets.signingKey, subject, annotations[runSealAnnotation], annotations[observedViewAnnotation]);
}

/** Says so in status when the batch Job under the run's name is not the operator's; true when it is not. */
async function refusedSquatter(job: TesseraJob, batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps, log: Logger): Promise<boolean> {
  if (!batchJob || hasFinished(job.status) || isSealedFor(job, batchJob, deps)) return false;
  await writeStatusIfChanged(job, nameTakenStatus(job, batchJob.metadata?.name ?? '', new Date(deps.clock.now())), deps, log);
  return true;
}

async function stopRun(batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps, log: Logger): Promise<boolean> {
  if (!batchJob || batchJob.metadata?.deletionTimestamp) return false;
  await deps.writes.deleteBatchJob(batchJob);
  log.info({ batchJob: batchJob.metadata?.name }, 'canceled: deleting the batch Job and its pods');
  return true;
}

/** A pinned digest the Job's namespace was never granted, if any (a digest alone is no capability). */
async function firstUngranted(run: EffectiveRun, namespace: string, fileSets: FileSetDeps, uidOf: UidOf): Promise<string | undefined> {
  for (const digest of run.digestsToCheck) {
    if (!(await hasAccess(fileSets.store, uidOf, namespace, digest))) return digest;
  }
  return undefined;
}

/** Resolution, refused when the run needs an object store the operator lacks or a grant it lacks. */
async function checkedResolution(job: TesseraJob, deps: JobReconcilerDeps): Promise<Resolution> {
  const resolution = resolveRun(job, deps.lookups);
  if (resolution.kind !== 'ready' || !usesFileSets(resolution.run)) return resolution;
  if (!deps.fileSets) {
    return { kind: 'refused', reason: JobReason.InvalidSpec, message: 'this Job moves file sets, but the operator runs without an object store (--s3-endpoint)' };
  }
  const ungranted = await firstUngranted(resolution.run, job.metadata.namespace ?? '', deps.fileSets, deps.lookups.namespaceUid);
  if (ungranted) return { kind: 'refused', reason: JobReason.Unauthorized, message: `namespace ${job.metadata.namespace} was never granted the file set ${ungranted}` };
  // A file set that can never be pulled (unsafe path, corrupt manifest) fails the Job before any pod.
  const unusable = deps.fileSets.manifests && (await firstUnusableFileSet(digestsRead(resolution.run), deps.fileSets.manifests));
  return unusable ? { kind: 'refused', reason: unusable.reason, message: unusable.message } : resolution;
}

/**
 * Starts the run once everything it reads is resolved: first records the resolved inputs in status
 * (the transfer API authorizes the pod's pulls from there), then, on the next pass, creates the
 * batch Job. Returns true: either way the informers bring the next state.
 */
async function startRun(job: TesseraJob, deps: JobReconcilerDeps, log: Logger): Promise<boolean> {
  const resolution = await checkedResolution(job, deps);
  const now = new Date(deps.clock.now());
  const status = resolutionStatus(job, resolution, now);
  if (status) {
    await writeStatusIfChanged(job, status, deps, log);
    return true;
  }
  if (resolution.kind !== 'ready') return true;
  const desired = desiredBatchJob(job, resolution.run, deps.config, deps.fileSets?.signingKey);
  const created = await deps.writes.createBatchJob(job, desired);
  if (created === 'created') log.info({ batchJob: desired.metadata?.name }, 'created the batch Job');
  else if (created === 'exists') log.debug({ batchJob: desired.metadata?.name }, 'the batch Job exists but is not cached yet');
  // Refused for good: retrying would repeat the refusal forever. Said once, in status and an event.
  else await writeStatusIfChanged(job, refusedStatus(job, created.refused, now), deps, log);
  return true;
}

/**
 * Makes the run match the spec: starts it once (never again after a terminal phase, when the batch
 * Job may have expired), or deletes it when the Job is canceled. Returns true when it wrote
 * something or found the cache behind the cluster: a status computed now would describe the past.
 */
async function convergeRun(job: TesseraJob, batchJob: Readonly<k8s.V1Job> | undefined, deps: JobReconcilerDeps, log: Logger): Promise<boolean> {
  if (hasFinished(job.status)) return false;
  if (job.spec.cancel) return stopRun(batchJob, deps, log);
  if (batchJob) return false;
  return startRun(job, deps, log);
}

async function writeStatusIfChanged(job: TesseraJob, status: TesseraJobStatus, deps: JobReconcilerDeps, log: Logger): Promise<void> {
  if (job.status && jsonEqual(job.status, status)) return;
  log.debug({ from: job.status, to: status }, 'writing status');
  await deps.writes.writeStatus(job, status);
  deps.unseenWrites.wrote(`${job.metadata.namespace}/${job.metadata.name}`, job.metadata.resourceVersion);
  if (status.phase !== job.status?.phase || status.reason !== job.status?.reason) log.info({ phase: status.phase, reason: status.reason }, status.message ?? status.phase);
  const event = eventForTransition(job.status, status);
  if (event) deps.events.record(jobEventSubject(job), event);
}

/**
 * Lets go of a Job whose plan is gone (checked by uid, in the cache and then live): its finalizer
 * would otherwise hold it, running, in a namespace that could then never be deleted. The plan would
 * have deleted it, so it is deleted. Returns true when it acted.
 */
async function releaseOrphan(job: Readonly<TesseraJob>, deps: JobReconcilerDeps, log: Logger): Promise<boolean> {
  const link = planLink(job, (ns, name) => deps.plans?.get(ns, name)?.metadata.uid);
  if (link.kind === 'none' || link.kind === 'alive' || !deps.plans) return false;
  if (link.kind === 'check' && (await deps.writes.readPlanUid(link.plan.namespace, link.plan.name)) === link.plan.uid) return false;
  log.info({ plan: link.kind === 'check' ? `${link.plan.namespace}/${link.plan.name}` : 'unnamed' }, 'the plan of this Job is gone: deleting the Job');
  await deleteOrphan(job, deps, log);
  return true;
}

/** Deletes a Job whose plan is gone, stops its run, and removes the plan's finalizer (only that). */
async function deleteOrphan(job: Readonly<TesseraJob>, deps: JobReconcilerDeps, log: Logger): Promise<void> {
  if (!job.metadata.deletionTimestamp) await deps.writes.deleteJob(job);
  // Another controller's finalizer may hold the Job for a while yet; its run stops now all the same.
  await stopRun(currentBatchJob(job, deps), deps, log);
  await deps.writes.dropFinalizer(job, planFinalizer);
}

function currentBatchJob(job: Readonly<TesseraJob>, deps: JobReconcilerDeps): Readonly<k8s.V1Job> | undefined {
  return deps.batchJobs.get(job.metadata.namespace ?? '', batchJobName(job.metadata.name, job.metadata.uid ?? '', job.status?.run ?? 0));
}

/**
 * The cached Job, unless it is gone, being deleted, or let go of because its plan is gone. A Job
 * being deleted stops its run at once: garbage collection would take the batch Job only once the
 * Job is gone, and another controller's finalizer may hold it for long.
 */
async function liveJob(key: string, deps: JobReconcilerDeps, log: Logger): Promise<TesseraJob | undefined> {
  const { namespace, name } = parseKey(key);
  const job = deps.jobs.get(namespace, name);
  const orphaned = job !== undefined && (await releaseOrphan(job, deps, log));
  if (job && !orphaned && !job.metadata.deletionTimestamp) return job;
  if (job?.metadata.deletionTimestamp) await stopRun(currentBatchJob(job, deps), deps, log);
  deps.unseenWrites.forget(key);
  return undefined;
}

/**
 * Reconciles one Tessera Job: load → gone or deleting? stop → invalid? say so → converge the batch
 * Job → observe → status, written only when it changed. Safe to stop at any line: every step is
 * recomputed from the cluster on the next pass.
 */
export async function reconcileJob(key: string, log: Logger, deps: JobReconcilerDeps): Promise<ReconcileResult | void> {
  const job = await liveJob(key, deps, log);
  if (!job) return;
  // The informer reports the last status write soon, and that enqueues this Job again; a status
  // computed before then would start from the past and be refused with a Conflict.
  if (deps.unseenWrites.isBehind(key, job.metadata.resourceVersion)) return { requeueAfterMs: unseenWriteRecheckMs };

  const parsed = tesseraJobSpecSchema.safeParse(job.spec);
  if (!parsed.success) {
    await writeStatusIfChanged(job, invalidSpecStatus(job, parsed.error.issues, new Date(deps.clock.now())), deps, log);
    return;
  }

  const batchJob = currentBatchJob(job, deps);
  if (await refusedSquatter(job, batchJob, deps, log)) return;
  // Status is written from what the informers report next, not from what was just sent.
  if (await convergeRun(job, batchJob, deps, log)) return;
  const observed = await withWorkload(observe(job, batchJob, deps), deps.writes.readWorkload, deps.batchJobs);
  const now = deps.clock.now();
  const status = jobStatus(job, observed, new Date(now));
  if (!job.status && isBriefWait(status, batchJob, now)) return { requeueAfterMs: briefWaitMs };
  await writeStatusIfChanged(job, status, deps, log);
  if (waitsForQueue(batchJob) && !hasFinished(status)) return { requeueAfterMs: queuedRecheckAfterMs(observed) };
}

/** How long a new run may sit in a plain "waiting for the pod" before that is worth a status write. */
const briefWaitMs = 60_000;
/** A backstop for the informer's event after a status write; the event normally comes first. */
const unseenWriteRecheckMs = 2000;

/**
 * A pod normally starts within a moment of its batch Job, or within the scheduler's and the nodes'
 * backlog when many Jobs arrive at once (half a minute for a thousand on two cores); writing
 * "Pending" for that time would be one more API write per Job, made exactly when the API server is
 * busiest, to say what an empty status says. Anything with a reason (Unschedulable,
 * ImagePullBackOff, Queued, …) is written at once, and a plain wait that lasts after briefWaitMs.
 */
function isBriefWait(status: TesseraJobStatus, batchJob: Readonly<k8s.V1Job> | undefined, now: number): boolean {
  if (status.phase !== JobPhase.Pending || status.reason !== JobReason.Pending || !batchJob) return false;
  const created = batchJob.metadata?.creationTimestamp;
  return created !== undefined && now - new Date(created).getTime() < briefWaitMs;
}
