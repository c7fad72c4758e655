import * as k8s from '@kubernetes/client-node';
import type { Dataset } from '../api/dataset.ts';
import { serverSideApply } from '../runtime/apply.ts';
import { makeObjectApi } from '../runtime/kube-client.ts';
import { unservedResource } from './errors.ts';

// The CLI's writes and reads of Tessera objects, as kubectl would make them: server-side apply with
// the CLI's own field manager, so it owns only the fields it sets and leaves the rest to GitOps.

/** Server-side applies a Tessera object as the `tessera-cli` field manager. */
export async function applyTessera(kc: k8s.KubeConfig, obj: k8s.KubernetesObject & { spec: unknown }): Promise<void> {
  await serverSideApply(makeObjectApi(kc), obj, 'tessera-cli');
}

/** Reads a Tessera object of kind `plural`. */
export async function readTessera<T>(kc: k8s.KubeConfig, plural: string, namespace: string, name: string): Promise<T> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    return (await custom.getNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural, namespace, name })) as T;
  } catch (error) {
    throw unservedResource(error, `${plural}.tessera.dev`);
  }
}

/** Lists Tessera objects of kind `plural` in every namespace the caller may list, by label. */
export async function listTessera<T>(kc: k8s.KubeConfig, plural: string, labelSelector: string): Promise<T[]> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    return ((await custom.listClusterCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural, labelSelector })) as { items: T[] }).items;
  } catch (error) {
    throw unservedResource(error, `${plural}.tessera.dev`);
  }
}

function readyOf(dataset: Dataset | undefined): { status?: string; reason?: string; message?: string } {
  return dataset?.status?.conditions?.find((c) => c.type === 'Ready') ?? {};
}

/** Waits until the operator reports the Dataset at `digest`, Ready; throws with its condition otherwise. */
export async function waitForDataset(kc: k8s.KubeConfig, ref: { namespace: string; name: string }, digest: string, timeoutMs = 120_000): Promise<Dataset> {
  const deadline = Date.now() + timeoutMs;
  let last: Dataset | undefined;
  while (Date.now() < deadline) {
    last = await readTessera<Dataset>(kc, 'datasets', ref.namespace, ref.name);
    if (last.status?.digest === digest && readyOf(last).status === 'True') return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const ready = readyOf(last);
  const why = ready.reason ? `${ready.reason}: ${ready.message ?? ''}` : 'no status yet: is the operator running?';
  throw new Error(`Dataset ${ref.namespace}/${ref.name} did not become Ready at ${digest} within ${timeoutMs} ms (${why})`);
}
