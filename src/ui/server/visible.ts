import * as k8s from '@kubernetes/client-node';

// What one user may see, asked of the API server as that user: a list RBAC refuses (403) is "not
// visible", never an error, so the dashboard shows each person exactly what kubectl would.

/**
 * Where the user looks. `clusterWide`: they may list and watch plans and Jobs in every namespace, so
 * one list and one watch per kind serve them; else `namespaces` are the ones where they may list
 * them, each read and watched on its own. `refused`: namespaces they named but may not read there.
 */
export interface Scope {
  clusterWide: boolean;
  namespaces: string[];
  refused: string[];
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
