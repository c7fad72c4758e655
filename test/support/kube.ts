import * as k8s from '@kubernetes/client-node';
import { basename } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { clusterEnv } from './cluster-env.ts';
import { waitFor } from './wait.ts';

export { waitFor } from './wait.ts';

/** API clients bound to the local cluster's admin kubeconfig. */
export interface Kube {
  config: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
}

/** Clients for the local cluster. */
export function kube(): Kube {
  const config = new k8s.KubeConfig();
  config.loadFromFile(clusterEnv().kubeconfig);
  return { config, core: config.makeApiClient(k8s.CoreV1Api), batch: config.makeApiClient(k8s.BatchV1Api) };
}

/**
 * Gives the calling test file a namespace of its own, created before its tests and deleted after,
 * named after the file (and `role`, for files that need several) so a leftover one says where it
 * came from.
 */
export function useNamespace(testFile: string, role = ''): { name: string } {
  const stem = basename(testFile).replace(/\.test\.ts$/, '').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const tag = role ? `${role}-` : '';
  const namespace = { name: `t-${stem.slice(0, 36 - tag.length)}-${tag}${Math.random().toString(36).slice(2, 7)}` };
  const { core } = kube();
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace.name, labels: { 'tessera.dev/test': 'true' } } } });
    await waitFor(`default ServiceAccount in ${namespace.name}`, async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: namespace.name });
      return true;
    });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace.name });
  });
  return namespace;
}
