import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { memberOf, type Member } from '../../scripts/demo/members.ts';
import { clusterEnv } from './cluster-env.ts';
import { kube } from './kube.ts';

// A tenant as an attacker would be one: a user with only namespace-scoped rights in their own
// organization's namespace (the built-in `admin` role there, plus every verb on Tessera's kinds and
// the workstation API's resources, as the chart's aggregated roles give), holding a ServiceAccount
// token and no store keys. Security tests act through these credentials, never as cluster-admin.

/** One tenant's credentials. */
export interface Tenant extends Member {
  /** Runs the cluster's kubectl as this tenant; throws with kubectl's stderr on failure. */
  kubectl(args: string[], input?: string): string;
  /** Runs kubectl as this tenant and returns its exit code, stdout and stderr, never throwing. */
  tryKubectl(args: string[], input?: string): { status: number; stdout: string; stderr: string };
}

/** What the chart's tessera-edit role grants, for clusters where the chart is not installed. */
function tesseraRole(namespace: string): k8s.V1Role {
  return {
    metadata: { name: 'tessera-tenant', namespace },
    rules: [
      {
        apiGroups: ['tessera.dev'],
        resources: ['datasets', 'algos', 'jobs', 'computeplans', 'predictors'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
      },
      // The workstation API: pull the file sets the namespace holds, push new ones.
      { apiGroups: ['files.tessera.dev'], resources: ['filesets'], verbs: ['get'] },
      { apiGroups: ['files.tessera.dev'], resources: ['uploads', 'commits'], verbs: ['create'] },
    ],
  };
}

/**
 * Makes `account` in `namespace` a tenant administrator of that namespace only, and returns its
 * credentials (a one-hour token). Idempotent.
 */
export async function tenantOf(namespace: string, account = 'tenant'): Promise<Tenant> {
  const rbac = kube().config.makeApiClient(k8s.RbacAuthorizationV1Api);
  try {
    await rbac.createNamespacedRole({ namespace, body: tesseraRole(namespace) });
  } catch (error) {
    if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
  }
  const member = await memberOf(namespace, account, [
    { kind: 'ClusterRole', name: 'admin' },
    { kind: 'Role', name: 'tessera-tenant' },
  ]);
  const kubectlBin = clusterEnv().kubectl;
  const tryKubectl = (args: string[], input?: string): { status: number; stdout: string; stderr: string } => {
    try {
      const stdout = execFileSync(kubectlBin, ['--kubeconfig', member.kubeconfig, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      return { status: 0, stdout, stderr: '' };
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  return {
    ...member,
    tryKubectl,
    kubectl(args, input) {
      const result = tryKubectl(args, input);
      if (result.status !== 0) throw new Error(`kubectl (as ${namespace}/${account}) ${args.join(' ')} failed: ${result.stderr.trim()}`);
      return result.stdout;
    },
  };
}

/**
 * Grants the tenant `account` of `namespace` `rules` there on top of its role, through a Role and
 * RoleBinding named `name` — what a cluster whose `edit` role aggregates them (batch Jobs, pods)
 * gives every namespace administrator.
 */
export async function allowTenant(namespace: string, name: string, rules: k8s.V1PolicyRule[], account = 'tenant'): Promise<void> {
  const rbac = kube().config.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name: account, namespace }] },
  });
}
