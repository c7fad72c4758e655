import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../../src/api/dataset.ts';
import { kube } from './kube.ts';
import { kubectl, kubectlGet } from './kubectl.ts';
import type { Tenant } from './tenant.ts';
import { tesseraCli } from './tessera-cli.ts';
import { adminS3, fileSetBucket } from './transfer-calls.ts';

// What the authorization threat tests share: organizations pushing data with the platform's CLI,
// tenants applying Tessera objects with their own credentials, and the checks that nothing leaked —
// no pod anywhere, no grant or loan in the store.

/** Pushes a one-file Dataset `name` into `namespace` with `tessera dataset push` and `flags`; its digest. */
export async function pushDataset(namespace: string, name: string, flags: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tessera-${name}-`));
  try {
    await writeFile(join(dir, 'samples.csv'), `${namespace}/${name},${Math.random()}\n`);
    await tesseraCli(['dataset', 'push', dir, '--name', name, '-n', namespace, ...flags]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return kubectlGet<Dataset>(namespace, 'datasets.tessera.dev', name).status?.digest ?? '';
}

/** A Tessera object as JSON, for `kubectl apply -f -`. */
export function tesseraObject(kind: string, name: string, spec: unknown, metadata: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata: { name, ...metadata }, spec });
}

/** Applies `manifest` in the tenant's own namespace with the tenant's credentials. */
export function applyAs(tenant: Tenant, manifest: string): void {
  tenant.kubectl(['apply', '-n', tenant.namespace, '-f', '-'], manifest);
}

/** An object of the tenant's namespace, read with the tenant's credentials (what kubectl shows them). */
export function getAs<T>(tenant: Tenant, resource: string, name: string): T {
  return JSON.parse(tenant.kubectl(['get', '-n', tenant.namespace, resource, name, '-o', 'json'])) as T;
}

/**
 * `type/reason: note` of the events about `name` in `namespace`, as `kubectl events` shows them. Read
 * with the cluster's kubeconfig: the local cluster runs no ClusterRole aggregation, so the built-in
 * `admin` role a tenant holds does not include events there.
 */
export function eventsOf(namespace: string, name: string): string[] {
  const list = JSON.parse(kubectl(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])) as {
    items: Array<{ type?: string; reason?: string; note?: string; message?: string }>;
  };
  return list.items.map((e) => `${e.type}/${e.reason}: ${e.note ?? e.message ?? ''}`);
}

/** Pods in any namespace matching `labelSelector`. */
export async function podsAnywhere(labelSelector: string): Promise<string[]> {
  const pods = await kube().core.listPodForAllNamespaces({ labelSelector });
  return pods.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
}

/** Tessera Jobs in any namespace matching `labelSelector`. */
export function tesseraJobsAnywhere(tenantOrAdmin: { kubectl(args: string[]): string }, labelSelector: string): string[] {
  const list = JSON.parse(tenantOrAdmin.kubectl(['get', 'jobs.tessera.dev', '-A', '-l', labelSelector, '-o', 'json'])) as { items: Array<{ metadata: { namespace: string; name: string } }> };
  return list.items.map((j) => `${j.metadata.namespace}/${j.metadata.name}`);
}

/** Every grant, loan or loan record in the store that names the file set `digest`, by key. */
export async function grantsOf(digest: string): Promise<string[]> {
  const hex = digest.replace(/^sha256:/, '');
  const s3 = adminS3();
  try {
    const keys: string[] = [];
    for (const prefix of ['holdings/', 'lent/', 'lent-index/']) {
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: fileSetBucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key ?? '').filter((key) => key.includes(hex)));
        token = page.NextContinuationToken;
      } while (token);
    }
    return keys.sort();
  } finally {
    s3.destroy();
  }
}
