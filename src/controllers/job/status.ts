import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob, TesseraJobStatus } from '../../api/job.ts';
import { JobConditionType, JobPhase, JobReason } from '../../api/job.ts';
import { mergeConditions, type ConditionUpdate } from '../shared/conditions.ts';

/** What the controller observed of a Tessera Job's run. */
export interface ObservedRun {
  batchJob: Readonly<k8s.V1Job> | undefined;
  /** The run's pods, any order. */
  pods: ReadonlyArray<Readonly<k8s.V1Pod>>;
  /** The batch Job's pod template differs from what the current spec would create. */
  specChangedAfterStart: boolean;
}

type Phase = TesseraJobStatus['phase'];

/** A phase with the reason and message people read next to it. */
export interface PhaseVerdict {
  phase: Phase;
  reason: string;
  message: string;
}

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

function firstWaiting(pod: Readonly<k8s.V1Pod>): k8s.V1ContainerStateWaiting | undefined {
  return pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
}

const verdict = (phase: Phase, reason: string, message: string): PhaseVerdict => ({ phase, reason, message });

function exitSuffix(terminated: k8s.V1ContainerStateTerminated | undefined): string {
  return terminated ? ` (exit code ${terminated.exitCode})` : '';
}

function retriesUsedUp(batchJob: Readonly<k8s.V1Job>, exit: string): PhaseVerdict {
  const attempts = batchJob.status?.failed ?? 0;
  const times = attempts === 1 ? 'time' : 'times';
  return verdict(JobPhase.Failed, JobReason.BackoffLimitExceeded, `failed ${attempts} ${times}, the last${exit}; no retries left`);
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
  return retriesUsedUp(batchJob, exit);
}

function unschedulableVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict | undefined {
  const scheduled = podCondition(pod, 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  return verdict(JobPhase.Pending, JobReason.Unschedulable, scheduled.message ?? '');
}

const imagePullReasons: ReadonlySet<string | undefined> = new Set(['ImagePullBackOff', 'ErrImagePull']);

function imagePullVerdict(pod: Readonly<k8s.V1Pod>): PhaseVerdict | undefined {
  const waiting = firstWaiting(pod);
  if (!waiting || !imagePullReasons.has(waiting.reason)) return undefined;
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

function podVerdict(pod: Readonly<k8s.V1Pod> | undefined): PhaseVerdict {
  if (!pod) return verdict(JobPhase.Pending, JobReason.Pending, 'waiting for the pod to be created');
  return disruptedVerdict(pod) ?? unschedulableVerdict(pod) ?? imagePullVerdict(pod) ?? podPhaseVerdict(pod);
}

/** The phase of a run that has not been canceled, from its batch Job and latest pod. */
export function runVerdict(observed: ObservedRun): PhaseVerdict {
  const { batchJob } = observed;
  if (!batchJob) return { phase: JobPhase.Pending, reason: JobReason.Pending, message: 'creating the batch Job' };
  if (batchCondition(batchJob, 'Complete')) return { phase: JobPhase.Succeeded, reason: JobReason.Completed, message: 'the run succeeded' };
  if (batchCondition(batchJob, 'Failed')) return failureVerdict(batchJob, latestPod(observed.pods));
  if (batchJob.spec?.suspend) return { phase: JobPhase.Queued, reason: JobReason.Queued, message: 'waiting for admission by the queue' };
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
  const { reason, message } = verdict;
  const stalled = reason === JobReason.ImagePullBackOff;
  const updates: ConditionUpdate[] = [
    { type: JobConditionType.Ready, status: is(JobPhase.Succeeded), reason, message },
    { type: JobConditionType.Succeeded, status: is(JobPhase.Succeeded), reason, message },
    { type: JobConditionType.Failed, status: is(JobPhase.Failed), reason, message },
    { type: JobConditionType.Reconciling, status: isTerminal(verdict.phase) ? 'False' : 'True', reason, message },
    { type: JobConditionType.Stalled, status: stalled ? 'True' : 'False', reason, message },
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

function attemptsOf(batchJob: Readonly<k8s.V1Job> | undefined, previous: number | undefined): number | undefined {
  const counts = batchJob?.status ?? {};
  const attempts = (counts.failed ?? 0) + (counts.succeeded ?? 0) + (counts.active ?? 0);
  return Math.max(attempts, previous ?? 0) || undefined;
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
    attempts: attemptsOf(batchJob, job.status?.attempts),
    ...timesOf(job, batchJob),
    ...podDetailsOf(latestPod(observed.pods), job.status),
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
  const verdict = job.spec.cancel ? cancelVerdict(observed) : runVerdict(observed);
  const conditions = mergeConditions(job.status?.conditions, conditionUpdates(verdict, observed), { now, generation });
  const details = runDetails(job, observed, verdict);
  if (verdict.phase === JobPhase.Canceled) details.completionTime ??= now.toISOString();
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
  const verdict: PhaseVerdict = { phase: JobPhase.Failed, reason: JobReason.InvalidSpec, message };
  const updates = conditionUpdates(verdict, { batchJob: undefined, pods: [], specChangedAfterStart: false });
  const stalled = updates.map((u) => (u.type === JobConditionType.Stalled ? { ...u, status: 'True' as const } : u));
  const generation = job.metadata.generation;
  return {
    phase: verdict.phase,
    reason: verdict.reason,
    message,
    observedGeneration: generation,
    conditions: mergeConditions(job.status?.conditions, stalled, { now, generation }),
  };
}
