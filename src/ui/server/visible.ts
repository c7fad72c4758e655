import * as k8s from '@kubernetes/client-node';

// What one user may see, asked of the API server as that user: a list RBAC refuses (403) is "not
// visible", never an error, so the dashboard shows each person exactly what kubectl would.

/** Where the user looks: every namespace when they may list namespaces, else the ones named. */
export interface Scope {
  clusterWide: boolean;
  namespaces: string[];
}

/** Items gathered from every list the user may read, and where the API server said no. */
export interface Visible<T> {
  items: T[];
  hidden: string[];
}

/** Whether an error is the API server's 403 (or a 401: the user's credentials do not reach it). */
export function isForbidden(error: unknown): boolean {
  return error instanceof k8s.ApiException && (error.code === 403 || error.code === 401);
}

/** Whether an error is the API server's 404. */
export function isNotFound(error: unknown): boolean {
  return error instanceof k8s.ApiException && error.code === 404;
}

/**
 * The namespaces the user works in: every namespace when they may list them (cluster-wide lists are
 * tried first), else `named` (the --namespace flags, else the kubeconfig context's).
 */
export async function resolveScope(kc: k8s.KubeConfig, named: readonly string[]): Promise<Scope> {
  try {
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    return { clusterWide: true, namespaces: list.items.map((n) => n.metadata?.name ?? '').filter(Boolean).sort() };
  } catch (error) {
    if (!isForbidden(error)) throw error;
    return { clusterWide: false, namespaces: [...named] };
  }
}

/** Lists across the scope: one cluster-wide list when allowed, else a list per namespace, skipping refusals. */
export async function listVisible<T>(scope: Scope, lists: { all: () => Promise<T[]>; in: (namespace: string) => Promise<T[]> }): Promise<Visible<T>> {
  if (scope.clusterWide) {
    try {
      return { items: await lists.all(), hidden: [] };
    } catch (error) {
      if (!isForbidden(error)) throw error;
    }
  }
  const answers = await Promise.all(scope.namespaces.map(async (namespace) => {
    try {
      return { namespace, items: await lists.in(namespace) };
    } catch (error) {
      if (!isForbidden(error)) throw error;
      return { namespace, items: undefined };
    }
  }));
  return { items: answers.flatMap((a) => a.items ?? []), hidden: answers.filter((a) => !a.items).map((a) => a.namespace) };
}
