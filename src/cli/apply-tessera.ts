import type { Dataset } from '../api/dataset.ts';
import { unservedResource } from './errors.ts';
import type { KubeConnection } from './kube-connection.ts';
import { kubeJson } from './kube-request.ts';

// The CLI's writes and reads of Tessera objects, as kubectl would make them: server-side apply with
// the CLI's own field manager, so it owns only the fields it sets and leaves the rest to GitOps.

const base = '/apis/tessera.dev/v1alpha1';

/** A Tessera object the CLI applies: its kind names its resource (Dataset: datasets). */
interface TesseraObject {
  apiVersion: string;
  kind: 'Dataset' | 'Algo';
  metadata: { name: string; namespace: string };
  spec: unknown;
}

/** Server-side applies a Tessera object as the `tessera-cli` field manager, forcing the fields it sets. */
export async function applyTessera(conn: KubeConnection, obj: TesseraObject): Promise<void> {
  const plural = `${obj.kind.toLowerCase()}s`;
  const { namespace, name } = obj.metadata;
  const path = `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}?fieldManager=tessera-cli&force=true`;
  try {
    await kubeJson(conn, { method: 'PATCH', path, body: obj, contentType: 'application/apply-patch+yaml' });
  } catch (error) {
    throw unservedResource(error, `${plural}.tessera.dev`);
  }
}

/** Reads a Tessera object of kind `plural`. */
export async function readTessera<T>(conn: KubeConnection, plural: string, namespace: string, name: string): Promise<T> {
  try {
    return await kubeJson<T>(conn, { method: 'GET', path: `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}` });
  } catch (error) {
    throw unservedResource(error, `${plural}.tessera.dev`);
  }
}

/** Lists Tessera objects of kind `plural`, by label: in `namespace`, or in every namespace the caller may list. */
export async function listTessera<T>(conn: KubeConnection, plural: string, selection: { labelSelector?: string; namespace?: string }): Promise<T[]> {
  const scope = selection.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(selection.namespace)}`;
  const query = selection.labelSelector ? `?labelSelector=${encodeURIComponent(selection.labelSelector)}` : '';
  try {
    return (await kubeJson<{ items: T[] }>(conn, { method: 'GET', path: `${base}${scope}/${plural}${query}` })).items;
  } catch (error) {
    throw unservedResource(error, `${plural}.tessera.dev`);
  }
}

function readyOf(dataset: Dataset | undefined): { status?: string; reason?: string; message?: string } {
  return dataset?.status?.conditions?.find((c) => c.type === 'Ready') ?? {};
}

/** Waits until the operator reports the Dataset at `digest`, Ready; throws with its condition otherwise. */
export async function waitForDataset(conn: KubeConnection, ref: { namespace: string; name: string }, digest: string, timeoutMs = 120_000): Promise<Dataset> {
  const deadline = Date.now() + timeoutMs;
  let last: Dataset | undefined;
  while (Date.now() < deadline) {
    last = await readTessera<Dataset>(conn, 'datasets', ref.namespace, ref.name);
    if (last.status?.digest === digest && readyOf(last).status === 'True') return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const ready = readyOf(last);
  const why = ready.reason ? `${ready.reason}: ${ready.message ?? ''}` : 'no status yet: is the operator running?';
  throw new Error(`Dataset ${ref.namespace}/${ref.name} did not become Ready at ${digest} within ${timeoutMs} ms (${why})`);
}
