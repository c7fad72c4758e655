import type * as k8s from '@kubernetes/client-node';
import type { ObjectCache } from '../shared/object-cache.ts';
import { preemptorJobUid, type KueueWorkload } from './kueue.ts';
import { labels } from './names.ts';
import type { ObservedRun } from './status.ts';

// The one read a queued run needs beyond the caches: Kueue's Workload, fetched only while the batch
// Job is suspended with a queue label (no informer: a cluster without Kueue has no Workload kind,
// and the operator must not wait on it). Kueue does not touch the batch Job while it waits, so the
// reconciler rechecks a queued run to keep Kueue's message current: soon while Kueue has not said
// why it waits yet (its Workload is made, then tried, a moment after the batch Job), then seldom.

/**
 * How soon a queued run is read again while Kueue has not said why it waits (soon while its batch
 * Job is young, less often once Kueue is plainly busy: a thousand Jobs queued at once wait that
 * long), and after.
 */
export const queuedRecheckMs = { unexplained: 3000, unexplainedLong: 10_000, youngFor: 30_000, explained: 30_000 } as const;

/** When to look at a queued run's Workload again. */
export function queuedRecheckAfterMs(observed: ObservedRun, now = Date.now()): number {
  const explained = observed.workload?.status?.conditions?.some((c) => (c.type === 'QuotaReserved' || c.type === 'Admitted') && c.message);
  if (explained) return queuedRecheckMs.explained;
  const created = new Date(observed.batchJob?.metadata?.creationTimestamp ?? now).getTime();
  return now - created < queuedRecheckMs.youngFor ? queuedRecheckMs.unexplained : queuedRecheckMs.unexplainedLong;
}

/** Reads the Workload Kueue made for a batch Job; undefined when there is none or no Kueue. */
export type WorkloadReader = (namespace: string, batchJobUid: string) => Promise<KueueWorkload | undefined>;

/** Whether Kueue decides when this batch Job runs and it is waiting for that. */
export function waitsForQueue(batchJob: Readonly<k8s.V1Job> | undefined): boolean {
  return Boolean(batchJob?.spec?.suspend && batchJob.metadata?.labels?.[labels.kueueQueue]);
}

/** The Tessera Job (`namespace/name`) whose batch Job has `uid`, when the operator made it. */
function tesseraJobOf(batchJobs: ObjectCache<k8s.V1Job>, uid: string): string | undefined {
  const batchJob = batchJobs.list().find((b) => b.metadata?.uid === uid);
  const owner = batchJob?.metadata?.labels?.[labels.job];
  return owner ? `${batchJob?.metadata?.namespace}/${owner}` : undefined;
}

/** `observed` with the Workload of its suspended batch Job and, after a preemption, who preempted it. */
export async function withWorkload(observed: ObservedRun, readWorkload: WorkloadReader, batchJobs: ObjectCache<k8s.V1Job>): Promise<ObservedRun> {
  const { batchJob } = observed;
  if (!waitsForQueue(batchJob)) return observed;
  const workload = await readWorkload(batchJob?.metadata?.namespace ?? '', batchJob?.metadata?.uid ?? '');
  const preemptorUid = preemptorJobUid(workload);
  const preemptor = preemptorUid ? tesseraJobOf(batchJobs, preemptorUid) : undefined;
  return { ...observed, workload, preemptor };
}
