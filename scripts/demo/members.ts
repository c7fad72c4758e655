import * as k8s from '@kubernetes/client-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterEnv } from '../../test/support/cluster-env.ts';

// An organization's member, as a platform team would onboard one: a ServiceAccount bound to roles in
// the organization's namespace only, and a kubeconfig with a short-lived token of its own. The demo's
// hospitals push their data with these, never with the cluster admin's credentials or the store's
// keys; the security tests' tenants are made the same way.

const runDir = process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster';

/** A member's credentials. */
export interface Member {
  namespace: string;
  /** `system:serviceaccount:<namespace>:<account>`. */
  user: string;
  kubeconfig: string;
  config: k8s.KubeConfig;
}

async function ignoreExists(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
  }
}

function adminConfig(): k8s.KubeConfig {
  const config = new k8s.KubeConfig();
  config.loadFromFile(clusterEnv().kubeconfig);
  return config;
}

function binding(namespace: string, account: string, role: { kind: 'ClusterRole' | 'Role'; name: string }): k8s.V1RoleBinding {
  return {
    metadata: { name: `${account}-${role.name}`, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
  };
}

function writeKubeconfig(path: string, token: string, namespace: string): k8s.KubeConfig {
  const cluster = adminConfig().getCurrentCluster();
  if (!cluster) throw new Error('the local kubeconfig has no current cluster');
  const config = new k8s.KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.server, caData: cluster.caData, caFile: cluster.caFile }],
    users: [{ name: 'member', token }],
    contexts: [{ name: 'member', cluster: 'local', user: 'member', namespace }],
    currentContext: 'member',
  });
  writeFileSync(path, config.exportConfig(), { mode: 0o600 });
  return config;
}

/**
 * Makes `account` in `namespace` a member holding `roles` there (by default the built-in `admin`, into
 * which the chart aggregates Tessera's roles), and returns its credentials: a one-hour token. Idempotent.
 */
export async function memberOf(namespace: string, account = 'member', roles: Array<{ kind: 'ClusterRole' | 'Role'; name: string }> = [{ kind: 'ClusterRole', name: 'admin' }]): Promise<Member> {
  const config = adminConfig();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const rbac = config.makeApiClient(k8s.RbacAuthorizationV1Api);
  await ignoreExists(core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account } } }));
  for (const role of roles) await ignoreExists(rbac.createNamespacedRoleBinding({ namespace, body: binding(namespace, account, role) }));
  const request = await core.createNamespacedServiceAccountToken({ namespace, name: account, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = request.status?.token;
  if (!token) throw new Error(`no token for ${namespace}/${account}`);
  const dir = join(runDir, 'members');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, `${namespace}-${account}.kubeconfig`);
  return { namespace, user: `system:serviceaccount:${namespace}:${account}`, kubeconfig, config: writeKubeconfig(kubeconfig, token, namespace) };
}
