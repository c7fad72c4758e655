import type * as k8s from '@kubernetes/client-node';
import type { UidOf } from '../storage/access.ts';
import type { NamespaceByName } from '../storage/grant-migration.ts';

// The namespace cache as grants and authorizations read it: a name's current uid, and the uids
// that exist. A namespace the cache does not know has none: it holds nothing and is authorized for
// nothing until the cache sees it (a watch event away).

/** What of the namespace cache is read here. */
export type NamespaceCache = { get(namespace: string, name: string): Readonly<k8s.V1Namespace> | undefined; list(): ReadonlyArray<Readonly<k8s.V1Namespace>> };

/** The current uid of a namespace by name, or undefined when the cache does not know it. */
export function uidLookup(cache: Pick<NamespaceCache, 'get'>): UidOf {
  return (name) => cache.get('', name)?.metadata?.uid;
}

/** A namespace's uid and creation time by name, for moving legacy grants. */
export function namespaceByName(cache: Pick<NamespaceCache, 'get'>): NamespaceByName {
  return (name) => {
    const metadata = cache.get('', name)?.metadata;
    const created = Date.parse(String(metadata?.creationTimestamp ?? ''));
    return metadata?.uid && Number.isFinite(created) ? { uid: metadata.uid, createdAtMs: created } : undefined;
  };
}

/** Whether a namespace with this uid exists now. */
export function liveUids(cache: Pick<NamespaceCache, 'list'>): (uid: string) => boolean {
  const uids = new Set(cache.list().flatMap((ns) => (ns.metadata?.uid ? [ns.metadata.uid] : [])));
  return (uid) => uids.has(uid);
}
