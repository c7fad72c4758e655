import { createHash } from 'node:crypto';

/** Label keys Tessera puts on everything it creates, so children map back to their owner. */
export const labels = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  job: 'tessera.dev/job',
  jobUid: 'tessera.dev/job-uid',
  kueueQueue: 'kueue.x-k8s.io/queue-name',
} as const;

export const managedByValue = 'tessera';

/** Annotations on a Tessera Job copied onto its pod: hooks for simulated (kwok) nodes. */
export const simulationAnnotationPrefix = 'sim.tessera.dev/';

/** Kubernetes names and label values are at most 63 characters. */
const maxNameLength = 63;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * The batch/v1 Job that runs a Tessera Job: `<name>-run-<hash of uid>`, at most 63 characters.
 * Deterministic, so a create repeated after a crash is AlreadyExists rather than a second run; the
 * uid in the hash keeps a re-created Tessera Job of the same name from adopting an old run; `run`
 * numbers the batch Jobs of one Tessera Job when a run is retried after it lost its result.
 */
export function batchJobName(jobName: string, jobUid: string, run = 0): string {
  // Run 0 keeps the name it always had; a retried run hashes its index in.
  const suffix = `-run-${shortHash(run === 0 ? jobUid : `${jobUid}/${run}`)}`;
  const stem = jobName.slice(0, maxNameLength - suffix.length).replace(/[-.]+$/, '');
  return `${stem}${suffix}`;
}
