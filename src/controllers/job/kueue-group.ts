import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob } from '../../api/job.ts';

// Jobs admitted together by Kueue, all or none: a Kueue pod group. Kueue admits a batch Job as one
// Workload of its own and has no way to make several batch Jobs one Workload (a prebuilt Workload
// has a single controller; only Kueue's pod integration composes several objects into one). So the
// runs of a group leave their batch Jobs unqueued and put the queue and the group on their pods:
// Kueue's pod webhook gates each pod as it is created, and once all `totalCount` pods of the group
// exist Kueue admits them as one Workload, or not at all, and ungates them together.

/** Kueue's pod-group keys, set on a Tessera Job (by a ComputePlan, or by hand) and passed to its pods. */
export const kueueGroupKeys = {
  /** Label: the group's name, which Kueue also gives its Workload. */
  name: 'kueue.x-k8s.io/pod-group-name',
  /** Annotation: how many pods the group has; Kueue admits none before all exist. */
  totalCount: 'kueue.x-k8s.io/pod-group-total-count',
} as const;

/**
 * Kueue stops a pod group's pods (preemption, eviction) by marking them with this condition and
 * deleting them: the pod failure policy ignores such a pod, so a preemption is not a failed attempt.
 */
export const kueueStopIgnoredRule: k8s.V1PodFailurePolicyRule = { action: 'Ignore', onPodConditions: [{ type: 'TerminationTarget', status: 'True' }] };

const queueLabel = 'kueue.x-k8s.io/queue-name';

/** A Kueue pod group a run belongs to. */
export interface KueueGroup {
  name: string;
  totalCount: number;
}

/**
 * The pod group of a Job's run: only with a queue (Kueue admits nothing without one), only the
 * first run (a run retried after losing its result would rejoin a group Kueue has finished), and
 * only with both keys, the count a positive integer.
 */
export function kueueGroupOf(job: Readonly<TesseraJob>): KueueGroup | undefined {
  const name = job.metadata.labels?.[kueueGroupKeys.name];
  const totalCount = Number(job.metadata.annotations?.[kueueGroupKeys.totalCount]);
  if (!job.spec.queueName || !name || !Number.isInteger(totalCount) || totalCount < 1) return undefined;
  if ((job.status?.run ?? 0) > 0) return undefined;
  return { name, totalCount };
}

/** Where a run's queue goes: on its batch Job, or on its pods with their group. */
export interface RunQueueing {
  jobLabels?: Record<string, string>;
  suspend?: true;
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
}

/**
 * How Kueue sees a run. Without a queue, not at all. With one, its batch Job carries the queue and
 * is created suspended, for Kueue to admit it alone; in a pod group, the batch Job carries nothing
 * and runs at once, and its pods carry the queue, the group and its size, for Kueue to gate them.
 */
export function runQueueing(job: Readonly<TesseraJob>): RunQueueing {
  const queue = job.spec.queueName;
  if (!queue) return {};
  const group = kueueGroupOf(job);
  if (!group) return { jobLabels: { [queueLabel]: queue }, suspend: true };
  return {
    podLabels: { [queueLabel]: queue, [kueueGroupKeys.name]: group.name },
    podAnnotations: { [kueueGroupKeys.totalCount]: String(group.totalCount) },
  };
}

/**
 * Whether Kueue still holds the pod of a group back: it waits, gated, for its group's admission. Read
 * from the pod's status (`PodScheduled` False, `SchedulingGated`): the operator's cache keeps no pod
 * spec (cache-trim.ts), so not the gate itself; a group's pods carry no gate but Kueue's.
 */
export function heldByKueue(pod: Readonly<k8s.V1Pod>): boolean {
  if (!pod.metadata?.labels?.[kueueGroupKeys.name]) return false;
  return pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'SchedulingGated') ?? false;
}

/** What a run whose pod Kueue holds says while it waits. */
export function groupWaitMessage(pod: Readonly<k8s.V1Pod>): string {
  const queue = pod.metadata?.labels?.[queueLabel];
  const group = pod.metadata?.labels?.[kueueGroupKeys.name];
  const count = pod.metadata?.annotations?.[kueueGroupKeys.totalCount];
  return `waiting for admission by queue ${queue ?? '?'} with the ${count ?? '?'} pods of group ${group ?? '?'} (all or none)`;
}
