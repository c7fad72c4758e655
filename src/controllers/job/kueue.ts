// Kueue's side of a queued run. Kueue says why a batch Job waits, and who preempted it, only on its
// Workload (kueue.x-k8s.io); the batch Job itself just stays suspended. These pure functions turn a
// Workload's conditions into the reason and message a Tessera Job shows while it waits.

/** The Workload label Kueue sets to the uid of the batch Job it stands for. */
export const workloadJobUidLabel = 'kueue.x-k8s.io/job-uid';

/** One condition of a Workload, as Kueue writes it. */
export interface WorkloadCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** What the operator reads of a Workload. */
export interface KueueWorkload {
  metadata?: { name?: string; namespace?: string };
  status?: { conditions?: WorkloadCondition[] };
}

/** Why a suspended run waits, in Tessera's words: reason Queued or Preempted, and Kueue's message. */
export interface QueueWait {
  reason: 'Queued' | 'Preempted';
  message: string;
}

function condition(workload: KueueWorkload | undefined, type: string, status = 'True'): WorkloadCondition | undefined {
  return workload?.status?.conditions?.find((c) => c.type === type && c.status === status);
}

/** The preempted run's eviction, while it lasts: Kueue clears it when the Workload is admitted again. */
function eviction(workload: KueueWorkload | undefined): WorkloadCondition | undefined {
  const evicted = condition(workload, 'Evicted');
  return evicted?.reason === 'Preempted' ? evicted : condition(workload, 'Preempted');
}

/** The batch Job uid of the Workload that took a preempted run's place (Kueue's message names it). */
export function preemptorJobUid(workload: KueueWorkload | undefined): string | undefined {
  return eviction(workload)?.message?.match(/JobUID: ([^,)\s]+)/)?.[1];
}

/** Why Kueue has not admitted (or admitted again) the Workload: its QuotaReserved or Admitted condition. */
function pendingMessage(workload: KueueWorkload | undefined): string | undefined {
  const pending = condition(workload, 'QuotaReserved', 'False') ?? condition(workload, 'Admitted', 'False');
  return pending?.message || undefined;
}

/**
 * Why a run whose batch Job is suspended waits. Preempted (Kueue evicted it for another Workload,
 * named by `preemptor` when the operator knows its Job) until it is admitted again; otherwise Queued,
 * with Kueue's reason for not admitting it yet (no quota in any flavor, a missing LocalQueue, …).
 * Without a Workload (no Kueue, or not created yet) it just says it waits for the queue.
 */
export function queueWait(queueName: string | undefined, workload: KueueWorkload | undefined, preemptor?: string): QueueWait {
  const queue = queueName ? `queue ${queueName}` : 'the queue';
  const pending = pendingMessage(workload);
  const evicted = eviction(workload);
  if (evicted) {
    const by = preemptor ? ` by Job ${preemptor}` : '';
    const again = pending ? `; waiting for ${queue} to admit it again: ${pending}` : `; waiting for ${queue} to admit it again`;
    return { reason: 'Preempted', message: `preempted${by} (${evicted.message ?? evicted.reason ?? 'evicted'})${again}` };
  }
  return { reason: 'Queued', message: pending ? `waiting for admission by ${queue}: ${pending}` : `waiting for admission by ${queue}` };
}
