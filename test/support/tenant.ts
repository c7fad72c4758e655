import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterEnv } from './cluster-env.ts';
import { kube } from './kube.ts';

// A tenant as an attacker would be one: a user with only namespace-scoped rights in their own
// organization's namespace (the built-in `admin` role there, plus every verb on Tessera's kinds),
// holding a ServiceAccount token and no store keys. Security tests act through these credentials,
// never through the cluster-admin kubeconfig.

const runDir = process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster';

/** One tenant's credentials. */
export interface Tenant {
  /** The namespace the tenant administers. */
  namespace: string;
  /** `system:serviceaccount:<namespace>:<name>`. */
  user: string;
  /** A kubeconfig file holding only this tenant's token. */
  kubeconfig: string;
  /** API clients as this tenant. */
  config: k8s.KubeConfig;
  /** Runs the cluster's kubectl as this tenant; throws with kubectl's stderr on failure. */
  kubectl(args: string[], input?: string): string;
  /** Runs kubectl as this tenant and returns its exit code, stdout and stderr, never throwing. */
  tryKubectl(args: string[], input?: string): { status: number; stdout: string; stderr: string };
}

/** Every verb on Tessera's kinds in the namespace: what an organization's own users hold. */
function tesseraRole(namespace: string): k8s.V1Role {
  return {
    metadata: { name: 'tessera-tenant', namespace },
    rules: [
      {
        apiGroups: ['tessera.dev'],
        resources: ['datasets', 'algos', 'jobs', 'computeplans'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
      },
      // The workstation API: pull the file sets the namespace holds, push new ones.
      { apiGroups: ['files.tessera.dev'], resources: ['filesets'], verbs: ['get'] },
      { apiGroups: ['files.tessera.dev'], resources: ['uploads', 'commits'], verbs: ['create'] },
    ],
  };
}

async function ignoreExists(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
  }
}

function binding(namespace: string, name: string, role: { kind: 'ClusterRole' | 'Role'; name: string }, account: string): k8s.V1RoleBinding {
  return {
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
  };
}

function writeKubeconfig(path: string, token: string, namespace: string): k8s.KubeConfig {
  const admin = kube().config;
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the local kubeconfig has no current cluster');
  const config = new k8s.KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.server, caData: cluster.caData, caFile: cluster.caFile }],
    users: [{ name: 'tenant', token }],
    contexts: [{ name: 'tenant', cluster: 'local', user: 'tenant', namespace }],
    currentContext: 'tenant',
  });
  writeFileSync(path, config.exportConfig(), { mode: 0o600 });
  return config;
}

/**
 * Makes `account` in `namespace` a tenant administrator of that namespace only, and returns its
 * credentials (a one-hour token). Idempotent.
 */
export async function tenantOf(namespace: string, account = 'tenant'): Promise<Tenant> {
  const { config } = kube();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const rbac = config.makeApiClient(k8s.RbacAuthorizationV1Api);
  await ignoreExists(core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account } } }));
  await ignoreExists(rbac.createNamespacedRole({ namespace, body: tesseraRole(namespace) }));
  await ignoreExists(rbac.createNamespacedRoleBinding({ namespace, body: binding(namespace, `${account}-admin`, { kind: 'ClusterRole', name: 'admin' }, account) }));
  await ignoreExists(rbac.createNamespacedRoleBinding({ namespace, body: binding(namespace, `${account}-tessera`, { kind: 'Role', name: 'tessera-tenant' }, account) }));
  const request = await core.createNamespacedServiceAccountToken({ namespace, name: account, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = request.status?.token;
  if (!token) throw new Error(`no token for ${namespace}/${account}`);
  const dir = join(runDir, 'tenants');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, `${namespace}-${account}.kubeconfig`);
  const tenantConfig = writeKubeconfig(kubeconfig, token, namespace);
  const kubectlBin = clusterEnv().kubectl;
  const tryKubectl = (args: string[], input?: string): { status: number; stdout: string; stderr: string } => {
    try {
      const stdout = execFileSync(kubectlBin, ['--kubeconfig', kubeconfig, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      return { status: 0, stdout, stderr: '' };
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  return {
    namespace,
    user: `system:serviceaccount:${namespace}:${account}`,
    kubeconfig,
    config: tenantConfig,
    tryKubectl,
    kubectl(args, input) {
      const result = tryKubectl(args, input);
      if (result.status !== 0) throw new Error(`kubectl (as ${namespace}/${account}) ${args.join(' ')} failed: ${result.stderr.trim()}`);
      return result.stdout;
    },
  };
}
