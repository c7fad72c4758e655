import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob, TesseraJobStatus } from '../../api/job.ts';
import { JobConditionType, JobPhase, JobReason } from '../../api/job.ts';
import type { ResultRecord } from '../../storage/result-record.ts';
import { mergeConditions, type ConditionUpdate } from '../shared/conditions.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import { moverContainerNames } from './mover-containers.ts';
import { labels } from './names.ts';
import type { EffectiveRun, Resolution } from './resolve.ts';
import { queueWait, type KueueWorkload } from './kueue.ts';
import { groupWaitMessage, heldByKueue } from './kueue-group.ts';

/** What the controller observed of a Tessera Job's run. */
export interface ObservedRun {
  batchJob: Readonly<k8s.V1Job> | undefined;
  /** The run's pods, any order. */
  pods: ReadonlyArray<Readonly<k8s.V1Pod>>;
  /** The batch Job's pod template differs from what the current spec would create. */
  specChangedAfterStart: boolean;
  /** The run pushes outputs, so a successful run must leave a signed result on its pod. */
  expectsResult?: boolean;
  /** The verified result a pod of this run carries (see result-record.ts), if any. */
  result?: ResultRecord;
  /** Kueue's Workload for the batch Job, read while it is suspended; none without Kueue. */
  workload?: KueueWorkload;
  /** The Tessera Job (`namespace/name`) whose run preempted this one, when Kueue names it. */
  preemptor?: string;
}

type Phase = TesseraJobStatus['phase'];

/** A phase with the reason and message people read next to it. */
export interface PhaseVerdict {
  phase: Phase;
  reason: string;
  message: string;
  /** Start this run index next (a run whose result was lost, retried in a new batch Job). */
  nextRun?: number;
}

const kueueQueueLabel = labels.kueueQueue;

const terminalPhases: ReadonlySet<Phase> = new Set([JobPhase.Succeeded, JobPhase.Failed, JobPhase.Canceled]);

/** Succeeded, Failed and Canceled are the end of a run. */
export function isTerminal(phase: Phase | undefined): boolean {
  return phase !== undefined && terminalPhases.has(phase);
}

/**
 * A run that ended never changes again: its status is the record that outlives the batch Job's TTL.
 * A spec rejected as invalid never ran, so fixing the spec still starts it.
 */
export function hasFinished(status: TesseraJobStatus | undefined): boolean {
  return isTerminal(status?.phase) && status?.reason !== JobReason.InvalidSpec;
}

function batchCondition(batchJob: Readonly<k8s.V1Job>, type: string): k8s.V1JobCondition | undefined {
  return batchJob.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The most recently created pod: the current attempt. */
export function latestPod(pods: ReadonlyArray<Readonly<k8s.V1Pod>>): Readonly<k8s.V1Pod> | undefined {
  let latest: Readonly<k8s.V1Pod> | undefined;
  for (const pod of pods) {
    const created = pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : 0;
    const best = latest?.metadata?.creationTimestamp ? new Date(latest.metadata.creationTimestamp).getTime() : -1;
    if (created >= best) latest = pod;
  }
  return latest;
}

function mainTerminated(pod: Readonly<k8s.V1Pod> | undefined): k8s.V1ContainerStateTerminated | undefined {
  return pod?.status?.containerStatuses?.find((c) => c.name === 'main')?.state?.terminated;
}

function podCondition(pod: Readonly<k8s.V1Pod>, type: string): k8s.V1PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

const verdict = (phase: Phase, reason: string, message: string): PhaseVerdict => ({ phase, reason, message });

function exitSuffix(terminated: k8s.V1ContainerStateTerminated | undefined): string {
  return terminated ? ` (exit code ${terminated.exitCode})` : '';
}

/** The longest part of a mover's termination message a status repeats. */
const maxMoverMessage = 512;

/**
 * What a mover container said when it failed: the last line of its termination message (the kubelet
 * fills it from the end of its log, FallbackToLogsOnError), or its exit code. Undefined unless it failed.
 */
export function moverFailure(pod: Readonly<k8s.V1Pod> | undefined, name: string): string | undefined {
  const terminated = pod?.status?.initContainerStatuses?.find((c) => c.name === name)?.state?.terminated;
  if (!terminated || terminated.exitCode === 0) return undefined;
  const lastLine = (terminated.message ?? '').split('\n').map((line) => line.trim()).filter(Boolean).at(-1);
  return lastLine ? lastLine.slice(0, maxMoverMessage) : `exit code ${terminated.exitCode}`;
}

/** How the last attempt ended: the pull's own words when it was the pull that failed, else main's exit code. */
function lastAttempt(pod: Readonly<k8s.V1Pod> | undefined, exit: string): string {
  const pull = moverFailure(pod, moverContainerNames.pull);
  return pull ? `: pulling the inputs failed: ${pull}` : exit;
}

function retriesUsedUp(batchJob: Readonly<k8s.V1Job>, last: string): PhaseVerdict {
  const attempts = batchJob.status?.failed ?? 0;
  const times = attempts === 1 ? 'time' : 'times';
  return verdict(JobPhase.Failed, JobReason.BackoffLimitExceeded, `failed ${attempts} ${times}, the last${last}; no retries left`);
}

function failureVerdict(batchJob: Readonly<k8s.V1Job>, pod: Readonly<k8s.V1Pod> | undefined): PhaseVerdict {
  const failed = batchCondition(batchJob, 'Failed');
  const terminated = mainTerminated(pod);
  const exit = exitSuffix(terminated);
  if (terminated?.reason === 'OOMKilled') return verdict(JobPhase.Failed, JobReason.OOMKilled, `the container ran out of memory${exit}`);
  if (failed?.reason === 'DeadlineExceeded') return verdict(JobPhase.Failed, JobReason.DeadlineExceeded, failed.message ?? 'timed out');
  if (failed?.reason === 'PodFailurePolicy') {
    return verdict(JobPhase.Failed, JobReason.ContainerCrashed, `the container failed${exit}; its exit code is not retried`);
  }
  return retriesUsedUp(batchJob, lastAttempt(pod, exit));
}

function unschedulableVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict | undefined {
  const scheduled = podCondition(pod, 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  return verdict(JobPhase.Pending, JobReason.Unschedulable, scheduled.message ?? '');
}

const imagePullReasons: ReadonlySet<string | undefined> = new Set(['ImagePullBackOff', 'ErrImagePull']);

/** A container stuck on its image: the mover's init containers count too (main waits behind them). */
function imagePullWaiting(pod: Readonly<k8s.V1Pod>): k8s.V1ContainerStateWaiting | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.map((c) => c.state?.waiting).find((waiting) => imagePullReasons.has(waiting?.reason));
}

function imagePullVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict | undefined {
  const waiting = imagePullWaiting(pod);
  if (!waiting) return undefined;
  return verdict(JobPhase.Pending, JobReason.ImagePullBackOff, waiting.message ?? '');
}

function disruptedVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict | undefined {
  const disrupted = podCondition(pod, 'DisruptionTarget');
  if (disrupted?.status !== 'True') return undefined;
  return verdict(JobPhase.Pending, JobReason.Preempted, disrupted.message ?? 'the pod was disrupted; it will be replaced');
}

function podPhaseVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict {
  switch (pod.status?.phase) {
    // The batch Job marks itself Complete a moment after its pod succeeds: until then the run goes
    // on, and saying so in the same words as Running spares a status write per Job.
    case 'Running':
    case 'Succeeded':
      return verdict(JobPhase.Running, JobReason.Running, `running on ${pod.spec?.nodeName ?? 'a node'}`);
    case 'Failed':
      return verdict(JobPhase.Running, JobReason.Retrying, 'the last attempt failed; retrying');
    default:
      return verdict(JobPhase.Pending, JobReason.Pending, 'waiting for the pod to start');
  }
}

function initContainerState(pod: Readonly<k8s.V1Pod>, name: string): k8s.V1ContainerState | undefined {
  return pod.status?.initContainerStatuses?.find((c) => c.name === name)?.state;
}

/**
 * Downloading while the pull init container runs; Uploading from main's exit until the batch Job
 * says how the run ended. Once the push sidecar has exited the run is still Uploading, not Running
 * again: the phase never goes back, and the Job's status is not written twice more for nothing.
 */
function moverVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict | undefined {
  if (initContainerState(pod, moverContainerNames.pull)?.running) return verdict(JobPhase.Downloading, JobReason.Downloading, 'pulling the inputs');
  const pushes = initContainerState(pod, moverContainerNames.push) !== undefined;
  if (pod.status?.phase === 'Failed' || !pushes || !mainTerminated(pod)) return undefined;
  return verdict(JobPhase.Uploading, JobReason.Uploading, 'pushing the outputs');
}

/** A pod of a Kueue pod group waits, gated, until Kueue admits the whole group (kueue-group.ts). */
function groupQueuedVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict | undefined {
  return heldByKueue(pod) ? verdict(JobPhase.Queued, JobReason.Queued, groupWaitMessage(pod)) : undefined;
}

function podVerdict(pod: Readonly<k8s.V1Pod> | undefined): PhaseVerdict {
  if (!pod) return verdict(JobPhase.Pending, JobReason.Pending, 'waiting for the pod to be created');
  return disruptedVerdict(pod) ?? groupQueuedVerdict(pod) ?? unschedulableVerdict(pod) ?? imagePullVerdict(pod) ?? moverVerdict(pod) ?? podPhaseVerdict(pod);
}

function completeVerdict(observed: ObservedRun): PhaseVerdict {
  if (observed.expectsResult && !observed.result) {
    const push = moverFailure(latestPod(observed.pods), moverContainerNames.push);
    const why = push ? `the push sidecar failed: ${push}` : 'the push sidecar failed or ran out of time';
    return verdict(JobPhase.Failed, JobReason.ResultMissing, `the container succeeded but its outputs were never committed (${why})`);
  }
  return verdict(JobPhase.Succeeded, JobReason.Completed, 'the run succeeded');
}

/**
 * A run whose container succeeded but whose outputs were lost is retried in a new batch Job while
 * the retry budget lasts (the batch Job itself is Complete and cannot retry); after that it fails.
 */
function retryLostResult(job: TesseraJob, observed: ObservedRun, verdict: PhaseVerdict): PhaseVerdict {
  if (verdict.reason !== JobReason.ResultMissing) return verdict;
  const attempts = attemptsOf(observed.batchJob, job.status) ?? 1;
  const budget = (job.spec.retries ?? 0) + 1;
  if (attempts >= budget) return { ...verdict, message: `${verdict.message}; no retries left` };
  const nextRun = (job.status?.run ?? 0) + 1;
  return { phase: JobPhase.Running, reason: JobReason.ResultMissing, message: `${verdict.message}; retrying (run ${nextRun + 1})`, nextRun };
}

/**
 * A suspended batch Job waits for Kueue: Queued, or Preempted after an eviction. Neither is an
 * attempt: Kueue suspends the batch Job, whose controller removes the pods without counting them
 * as failed, so the retry budget (the batch Job's backoffLimit) is untouched.
 */
function queuedVerdict(observed: ObservedRun): PhaseVerdict {
  const queueName = observed.batchJob?.metadata?.labels?.[kueueQueueLabel];
  const wait = queueWait(queueName, observed.workload, observed.preemptor);
  return verdict(JobPhase.Queued, wait.reason === 'Preempted' ? JobReason.Preempted : JobReason.Queued, wait.message);
}

/** The phase of a run that has not been canceled, from its batch Job and latest pod. */
export function runVerdict(observed: ObservedRun): PhaseVerdict {
  const { batchJob } = observed;
  if (!batchJob) return { phase: JobPhase.Pending, reason: JobReason.Pending, message: 'creating the batch Job' };
  if (batchCondition(batchJob, 'Complete')) return completeVerdict(observed);
  if (batchCondition(batchJob, 'Failed')) return failureVerdict(batchJob, latestPod(observed.pods));
  if (batchJob.spec?.suspend) return queuedVerdict(observed);
  return podVerdict(latestPod(observed.pods));
}

function cancelVerdict(observed: ObservedRun): PhaseVerdict {
  if (!observed.batchJob && observed.pods.length === 0) {
    return { phase: JobPhase.Canceled, reason: JobReason.Canceled, message: 'canceled by spec.cancel' };
  }
  return { phase: JobPhase.Running, reason: JobReason.Canceling, message: 'stopping the run' };
}

function conditionUpdates(verdict: PhaseVerdict, observed: ObservedRun): ConditionUpdate[] {
  const is = (phase: Phase): 'True' | 'False' => (verdict.phase === phase ? 'True' : 'False');
  const state = (on: boolean): 'True' | 'False' => (on ? 'True' : 'False');
  const { reason, message } = verdict;
  // kstatus: a run that failed for good, or cannot start until someone acts, is Stalled (Helm's
  // --wait, Flux and Argo CD then report it failed instead of waiting out their timeouts). Stalled
  // and Reconciling are never both True: kstatus reads whichever comes first in the list.
  const stalled = reason === JobReason.ImagePullBackOff || verdict.phase === JobPhase.Failed;
  // Ready is kstatus' "reconciled": a Job canceled by spec.cancel is where its spec says it should be.
  const ready = verdict.phase === JobPhase.Succeeded || verdict.phase === JobPhase.Canceled;
  const updates: ConditionUpdate[] = [
    { type: JobConditionType.Ready, status: state(ready), reason, message },
    { type: JobConditionType.Succeeded, status: is(JobPhase.Succeeded), reason, message },
    { type: JobConditionType.Failed, status: is(JobPhase.Failed), reason, message },
    { type: JobConditionType.Reconciling, status: state(!isTerminal(verdict.phase) && !stalled), reason, message },
    { type: JobConditionType.Stalled, status: state(stalled), reason, message },
  ];
  if (observed.specChangedAfterStart) {
    updates.push({
      type: JobConditionType.SpecApplied,
      status: 'False',
      reason: JobReason.ImmutableAfterStart,
      message: 'the spec changed after the run started; a run never restarts silently, so the change applies only to a new Job',
    });
  }
  return updates;
}

function attemptsOf(batchJob: Readonly<k8s.V1Job> | undefined, status: TesseraJobStatus | undefined): number | undefined {
  const { failed = 0, succeeded = 0, active = 0 } = batchJob?.status ?? {};
  const { priorAttempts = 0, attempts = 0 } = status ?? {};
  return Math.max(priorAttempts + failed + succeeded + active, attempts) || undefined;
}

/** What the run read and wrote: recorded inputs, and the outputs and metrics of its signed result. */
function fileSetDetails(job: TesseraJob, observed: ObservedRun): Partial<TesseraJobStatus> {
  const { inputs, code, outputs, metrics, run, priorAttempts } = job.status ?? {};
  const result = observed.result;
  const latestMetrics = result ? result.metrics : metrics;
  return {
    inputs,
    code,
    outputs: result ? result.outputs : outputs,
    metrics: latestMetrics && Object.keys(latestMetrics).length ? latestMetrics : undefined,
    run,
    priorAttempts,
  };
}

function isoTime(time: Date | string | undefined): string | undefined {
  return time ? new Date(time).toISOString() : undefined;
}

function timesOf(job: TesseraJob, batchJob: Readonly<k8s.V1Job> | undefined): Pick<TesseraJobStatus, 'startTime' | 'completionTime'> {
  const failedAt = batchJob ? batchCondition(batchJob, 'Failed')?.lastTransitionTime : undefined;
  return {
    startTime: isoTime(batchJob?.status?.startTime ?? job.status?.startTime),
    completionTime: isoTime(batchJob?.status?.completionTime ?? failedAt),
  };
}

function podDetailsOf(pod: Readonly<k8s.V1Pod> | undefined, previous: TesseraJobStatus | undefined): Pick<TesseraJobStatus, 'podName' | 'nodeName' | 'exitCode'> {
  if (!pod) return { podName: previous?.podName, nodeName: previous?.nodeName, exitCode: previous?.exitCode };
  return { podName: pod.metadata?.name, nodeName: pod.spec?.nodeName, exitCode: mainTerminated(pod)?.exitCode ?? previous?.exitCode };
}

function runDetails(job: TesseraJob, observed: ObservedRun, verdict: PhaseVerdict): Partial<TesseraJobStatus> {
  const { batchJob } = observed;
  const details: Partial<TesseraJobStatus> = {
    batchJobName: batchJob?.metadata?.name ?? job.status?.batchJobName,
    attempts: attemptsOf(batchJob, job.status),
    ...timesOf(job, batchJob),
    ...podDetailsOf(latestPod(observed.pods), job.status),
    ...fileSetDetails(job, observed),
  };
  // An exit code is news once the run ends or an attempt fails; reported earlier (a pod that just
  // exited 0 before its batch Job completes) it would cost a status write that says nothing new.
  if (!isTerminal(verdict.phase) && verdict.reason !== JobReason.Retrying) details.exitCode = job.status?.exitCode;
  return details;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The status a Tessera Job should have, given what was observed of its run. Pure: the same inputs
 * give the same status, so the controller writes only when this differs from what is stored.
 * A terminal status is kept as it is (only observedGeneration moves): it is the record that
 * outlives the batch Job.
 */
export function jobStatus(job: TesseraJob, observed: ObservedRun, now: Date): TesseraJobStatus {
  const generation = job.metadata.generation;
  if (job.status && hasFinished(job.status)) return { ...job.status, observedGeneration: generation };
  const verdict = retryLostResult(job, observed, job.spec.cancel ? cancelVerdict(observed) : runVerdict(observed));
  const conditions = mergeConditions(job.status?.conditions, conditionUpdates(verdict, observed), { now, generation });
  const details = runDetails(job, observed, verdict);
  if (verdict.phase === JobPhase.Canceled) details.completionTime ??= now.toISOString();
  if (verdict.nextRun !== undefined) Object.assign(details, { run: verdict.nextRun, priorAttempts: details.attempts, completionTime: undefined });
  return withoutUndefined({
    phase: verdict.phase,
    reason: verdict.reason,
    message: verdict.message,
    observedGeneration: generation,
    ...details,
    conditions,
  });
}

/** A schema problem as people read it: `spec.resources.gpu: Too small: expected number to be >=0`. */
export interface SpecIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * The status of a Job whose spec the operator cannot run: Failed with reason InvalidSpec and
 * Stalled, naming every problem. Nothing is created for it, and no retry will fix it.
 */
export function invalidSpecStatus(job: TesseraJob, issues: readonly SpecIssue[], now: Date): TesseraJobStatus {
  const message = issues.map((i) => `spec.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
  return stalledStatus(job, { phase: JobPhase.Failed, reason: JobReason.InvalidSpec, message }, now);
}

/** A status decided before any run is observed: `verdict`, Stalled, on top of what `base` holds. */
function stalledStatus(job: TesseraJob, verdict: PhaseVerdict, now: Date, base: Partial<TesseraJobStatus> = {}): TesseraJobStatus {
  const updates = conditionUpdates(verdict, { batchJob: undefined, pods: [], specChangedAfterStart: false });
  const forced: Partial<Record<string, 'True' | 'False'>> = { [JobConditionType.Stalled]: 'True', [JobConditionType.Reconciling]: 'False' };
  const stalled = updates.map((u) => ({ ...u, status: forced[u.type] ?? u.status }));
  const generation = job.metadata.generation;
  return {
    ...base,
    phase: verdict.phase,
    reason: verdict.reason,
    message: verdict.message,
    observedGeneration: generation,
    conditions: mergeConditions(job.status?.conditions, stalled, { now, generation }),
  };
}

/**
 * The status of a Job whose batch Job the API server refused for good (422, 403): Failed with reason
 * InvalidSpec and Stalled, in the server's words. The resolved inputs stay, so the next pass does not
 * take the Job for one about to start; a changed spec (or a lifted policy) still starts it.
 */
export function refusedStatus(job: TesseraJob, serverMessage: string, now: Date): TesseraJobStatus {
  const message = `the API server refused the batch Job: ${serverMessage}`;
  return stalledStatus(job, { phase: JobPhase.Failed, reason: JobReason.InvalidSpec, message }, now, job.status);
}

/**
 * The status of a Job whose batch Job name is held by one the operator did not make (its run seal
 * is missing or does not verify): Pending and Stalled, naming it. Not terminal: once it is deleted
 * the run starts.
 */
export function nameTakenStatus(job: TesseraJob, batchJobName: string, now: Date): TesseraJobStatus {
  const message = `batch Job ${job.metadata.namespace}/${batchJobName} was not created by Tessera for this Job (its run seal is missing or does not match); the run starts once it is deleted`;
  return stalledStatus(job, { phase: JobPhase.Pending, reason: JobReason.NameTaken, message }, now, job.status);
}

function sameResolvedInputs(status: TesseraJobStatus | undefined, run: EffectiveRun): boolean {
  return jsonEqual(status?.inputs ?? [], run.inputs) && jsonEqual(status?.code, run.code);
}

/**
 * The status to write before a run starts, or undefined when its batch Job can be created now.
 * Waiting for an input is Pending/InputNotReady; an input that can never be read fails the Job
 * (Unauthorized, InputNotFound, …); resolved inputs are recorded first, because the transfer API
 * lets the pod read exactly what status says.
 */
export function resolutionStatus(job: TesseraJob, resolution: Resolution, now: Date): TesseraJobStatus | undefined {
  if (resolution.kind === 'ready' && sameResolvedInputs(job.status, resolution.run)) return undefined;
  const generation = job.metadata.generation;
  const verdict: PhaseVerdict =
    resolution.kind === 'ready'
      ? { phase: JobPhase.Pending, reason: JobReason.Pending, message: 'inputs resolved; starting the run' }
      : resolution.kind === 'waiting'
        ? { phase: JobPhase.Pending, reason: JobReason.InputNotReady, message: resolution.message }
        : { phase: JobPhase.Failed, reason: resolution.reason, message: resolution.message };
  const observed: ObservedRun = { batchJob: undefined, pods: [], specChangedAfterStart: false };
  const updates = conditionUpdates(verdict, observed).map((u) =>
    u.type === JobConditionType.Stalled && verdict.phase === JobPhase.Failed ? { ...u, status: 'True' as const } : u,
  );
  const resolved = resolution.kind === 'ready' ? { inputs: resolution.run.inputs, code: resolution.run.code } : {};
  return withoutUndefined({
    ...job.status,
    phase: verdict.phase,
    reason: verdict.reason,
    message: verdict.message,
    observedGeneration: generation,
    ...resolved,
    completionTime: verdict.phase === JobPhase.Failed ? now.toISOString() : undefined,
    conditions: mergeConditions(job.status?.conditions, updates, { now, generation }),
  });
}
