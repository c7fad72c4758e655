import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob } from '../../src/api/job.ts';
import { kube } from './kube.ts';
import { kubectl, kubectlApply, kubectlGet } from './kubectl.ts';
import { waitFor } from './wait.ts';

// Tessera Jobs as a user drives them (kubectl apply, kubectl get) and the pods of their runs, for
// tests and benchmarks that work in more than one namespace.

/** `kubectl apply` of a Tessera Job `name` in `namespace` with `spec` and (sim.tessera.dev/…) annotations. */
export function applyTesseraJob(namespace: string, name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): void {
  kubectlApply(namespace, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name, annotations }, spec }));
}

/** The Tessera Job as `kubectl get` shows it now. */
export function getTesseraJob(namespace: string, name: string): TesseraJob {
  return kubectlGet<TesseraJob>(namespace, 'jobs.tessera.dev', name);
}

/** Polls the Job until `check` holds; fails naming `what` and the last status seen. */
export async function waitForTesseraJob(
  namespace: string,
  name: string,
  check: (job: TesseraJob) => boolean,
  opts: { what: string; timeoutMs?: number },
): Promise<TesseraJob> {
  let last: TesseraJob['status'];
  try {
    return await waitFor(`Job ${namespace}/${name}: ${opts.what}`, () => {
      const job = getTesseraJob(namespace, name);
      last = job.status;
      return check(job) ? job : undefined;
    }, opts.timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; status was ${JSON.stringify(last)}`, { cause: error });
  }
}

/** Waits for the Job to reach `phase`. */
export function jobInPhase(namespace: string, name: string, phase: string, timeoutMs?: number): Promise<TesseraJob> {
  return waitForTesseraJob(namespace, name, (j) => j.status?.phase === phase, { what: `phase ${phase}`, timeoutMs });
}

/** The batch Jobs the operator created for a Tessera Job (of every run). */
export async function batchJobsOf(namespace: string, job: string): Promise<k8s.V1Job[]> {
  const { batch } = kube();
  return (await batch.listNamespacedJob({ namespace, labelSelector: `tessera.dev/job=${job}` })).items;
}

/** A live (not deleted) pod of the Job that `accept` takes, once one exists. */
export async function podOfJob(namespace: string, job: string, accept: (pod: k8s.V1Pod) => boolean = () => true, timeoutMs?: number): Promise<k8s.V1Pod> {
  const { core } = kube();
  return waitFor(`a pod for Job ${namespace}/${job}`, async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `tessera.dev/job=${job}` });
    return pods.items.find((p) => p.metadata?.uid && !p.metadata.deletionTimestamp && accept(p));
  }, timeoutMs);
}

/**
 * Plays the kubelet at the end of a run's upload grace period: the push sidecar is killed without
 * the run's result having been committed, and the pod ends Succeeded (main exited 0).
 */
export function endUploadWithoutResult(pod: Readonly<k8s.V1Pod>): void {
  const ended = { exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() };
  const initContainerStatuses = (pod.spec?.initContainers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    state: { terminated: ended },
  }));
  const patch = { status: { phase: 'Succeeded', initContainerStatuses } };
  kubectl(['patch', 'pod', '-n', pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', '--subresource=status', '--type=merge', '-p', JSON.stringify(patch)]);
}
