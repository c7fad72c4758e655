import * as k8s from '@kubernetes/client-node';
import { isForbidden, type Scope } from './visible.ts';

// What the dashboard watches for one user, asked of the API server as that user. A user who may
// list namespaces and read plans and Jobs everywhere gets cluster-wide lists and watches. Anyone
// else — a tenant whose RBAC covers their own namespace, or one who may list namespaces but read
// Tessera's kinds in a few — gets a list and a watch per namespace where the API server says they
// may list plans or Jobs (SelfSubjectAccessReview), among every namespace they may list, else the
// ones they named (`-n`, else the kubeconfig context's). A cluster-wide watch the user may not make
// would only be refused again and again, and the page would never move.

/** The kinds the page follows live. */
export const followed = ['computeplans', 'jobs'] as const;

/** What the API server answered about the user. */
export interface Rights {
  /** Every namespace, when the user may list them. */
  listed: string[] | undefined;
  /** Whether they may list and watch every followed kind in every namespace. */
  everywhere: boolean;
  /** The namespaces where they may list at least one followed kind. */
  readable: ReadonlySet<string>;
}

/** The scope from the user's rights and the namespaces they named. Pure. */
export function decideScope(rights: Rights, named: readonly string[]): Scope {
  if (rights.everywhere && rights.listed) return { clusterWide: true, namespaces: [...rights.listed].sort(), refused: [] };
  return {
    clusterWide: false,
    namespaces: candidates(rights.listed, named).filter((n) => rights.readable.has(n)).sort(),
    // Only namespaces the user named are reported: the rest of a cluster's are none of their business.
    refused: [...new Set(named)].filter((n) => !rights.readable.has(n)).sort(),
  };
}

/** The namespaces to ask about for `named`, given what listing namespaces returned. Pure. */
export function candidates(listed: readonly string[] | undefined, named: readonly string[]): string[] {
  return [...new Set([...(listed ?? []), ...named])];
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Asks the API server, as the user of `kc`, what they may read. */
export async function askRights(kc: k8s.KubeConfig, named: readonly string[]): Promise<Rights> {
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const may = async (verb: string, resource: string, namespace?: string): Promise<boolean> => {
    const review = await authz.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { group: 'tessera.dev', resource, verb, namespace } } },
    });
    return review.status?.allowed === true;
  };
  let listed: string[] | undefined;
  try {
    listed = (await kc.makeApiClient(k8s.CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name ?? '').filter(Boolean);
  } catch (error) {
    if (!isForbidden(error)) throw error;
  }
  const everywhere = (await Promise.all(followed.flatMap((r) => [may('list', r), may('watch', r)]))).every(Boolean);
  if (everywhere && listed) return { listed, everywhere, readable: new Set(listed) };
  const asked = candidates(listed, named);
  const answers = await mapLimited(asked, 16, async (namespace) => (await Promise.all(followed.map((r) => may('list', r, namespace)))).some(Boolean));
  return { listed, everywhere, readable: new Set(asked.filter((_, i) => answers[i])) };
}

/** The user's scope: their rights, then the decision. */
export async function resolveScope(kc: k8s.KubeConfig, named: readonly string[]): Promise<Scope> {
  return decideScope(await askRights(kc, named), named);
}
