import { mkdir, writeFile } from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import { dirname, join } from 'node:path';
import type { Predictor } from '../../src/api/predictor.ts';
import { applyTesseraJob, jobInPhase, podOfJob } from './job-runs.ts';
import { kube } from './kube.ts';
import { kubectlApply, kubectlGet } from './kubectl.ts';
import { podRunner } from './pod-runner.ts';
import { waitFor } from './wait.ts';

// Predictors as a user drives them (kubectl apply, kubectl get), and the Jobs whose outputs they
// serve: a Job run on kwok whose mover the test plays (pod-runner.ts), pushing the files given.

/**
 * Runs Job `job` in `namespace` on kwok with one output `model` holding `files` (path → text),
 * pushed by the run's own mover against the operator's transfer API; resolves with its digest.
 */
export async function trainedModel(namespace: string, job: string, transferUrl: string, files: Record<string, string>): Promise<string> {
  applyTesseraJob(namespace, job, { image: 'local/sim:1', outputs: [{ name: 'model' }] }, { 'sim.tessera.dev/run-for': '1s' });
  const runner = await podRunner(await podOfJob(namespace, job), transferUrl);
  for (const [path, text] of Object.entries(files)) {
    const file = join(runner.root, 'outputs', 'model', path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  await jobInPhase(namespace, job, 'Uploading');
  await runner.push();
  const done = await jobInPhase(namespace, job, 'Succeeded');
  const digest = done.status?.outputs?.find((o) => o.name === 'model')?.digest;
  if (!digest) throw new Error(`Job ${namespace}/${job} succeeded without a model output: ${JSON.stringify(done.status)}`);
  return digest;
}

/** `kubectl apply` of Predictor `name` with `spec` (and annotations), as the cluster admin unless `apply` says otherwise. */
export function predictorManifest(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Predictor', metadata: { name, annotations }, spec });
}

/** Applies Predictor `name` in `namespace`. */
export function applyPredictor(namespace: string, name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): void {
  kubectlApply(namespace, predictorManifest(name, spec, annotations));
}

/** The Predictor as `kubectl get` shows it now. */
export function getPredictor(namespace: string, name: string): Predictor {
  return kubectlGet<Predictor>(namespace, 'predictors.tessera.dev', name);
}

/** Polls the Predictor until `check` holds; fails naming `what` and the last status seen. */
export async function waitForPredictor(namespace: string, name: string, check: (p: Predictor) => boolean, opts: { what: string; timeoutMs?: number }): Promise<Predictor> {
  const { what, timeoutMs = 60_000 } = opts;
  let last: Predictor['status'];
  try {
    return await waitFor(`Predictor ${namespace}/${name}: ${what}`, () => {
      const predictor = getPredictor(namespace, name);
      last = predictor.status;
      return check(predictor) ? predictor : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; status was ${JSON.stringify(last)}`, { cause: error });
  }
}

/** The condition `type` of the Predictor's status. */
export function predictorCondition(predictor: Predictor, type: string): { status?: string; reason?: string; message?: string } {
  return predictor.status?.conditions?.find((c) => c.type === type) ?? {};
}

/** The Deployment `<name>-predictor`, or undefined when there is none. */
export async function predictorDeployment(namespace: string, name: string): Promise<k8s.V1Deployment | undefined> {
  const apps = kube().config.makeApiClient(k8s.AppsV1Api);
  try {
    return await apps.readNamespacedDeployment({ namespace, name: `${name}-predictor` });
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** The Service `<name>-predictor`, or undefined when there is none. */
export async function predictorService(namespace: string, name: string): Promise<k8s.V1Service | undefined> {
  try {
    return await kube().core.readNamespacedService({ namespace, name: `${name}-predictor` });
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** The live pods of the Predictor's Deployment. */
export async function predictorPods(namespace: string, name: string): Promise<k8s.V1Pod[]> {
  const pods = await kube().core.listNamespacedPod({ namespace, labelSelector: `tessera.dev/predictor=${name}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}
