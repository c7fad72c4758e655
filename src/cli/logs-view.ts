import { logsOutputName, type TesseraJob } from '../api/job.ts';

// Which log `tessera logs` prints, decided from what was read. Pure. A run's main-container log is
// saved as its `logs` output when the run commits its outputs (src/transfer/server/handlers.ts,
// saveLog), so it outlives the pod; while the pod lives, kubectl logs shows it live.

/** What `tessera logs` was asked for: a Tessera Job, or a ComputePlan's task (`plan/task`). */
export type LogTarget = { kind: 'job'; name: string } | { kind: 'task'; plan: string; task: string };

/** `NAME` is a Job; `PLAN/TASK` is a plan's task. Throws on anything else. */
export function logTarget(ref: string): LogTarget {
  const parts = ref.split('/');
  if (parts.length === 1 && parts[0]) return { kind: 'job', name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { kind: 'task', plan: parts[0], task: parts[1] };
  throw new Error(`"${ref}" is neither a Job name nor PLAN/TASK`);
}

/** The saved log of a Job: its digest, or why there is none, with what to run instead. */
export function savedLog(job: Readonly<TesseraJob>): { digest: string; bytes: number } | { missing: string } {
  const output = job.status?.outputs?.find((o) => o.name === logsOutputName);
  if (output) return { digest: output.digest, bytes: output.bytes };
  const namespace = job.metadata.namespace ?? '';
  const name = job.metadata.name ?? '';
  const phase = job.status?.phase ?? 'Pending';
  return {
    missing:
      `error: Job ${namespace}/${name} has no saved log (phase ${phase}): a run's log is saved when it commits its outputs ` +
      `(runs without outputs save none), where the node serves pod logs. ` +
      `While its pod exists: kubectl logs -n ${namespace} -l tessera.dev/job=${name} -c main`,
  };
}
