import type { UidOf } from '../../src/storage/access.ts';
import { kube } from './kube.ts';

// Grants are keyed by namespace uid (src/storage/access.ts): tests that write or read the store
// directly look the uids up as the operator's cache would.

/** The current uid of the namespace `name`. */
export async function namespaceUid(name: string): Promise<string> {
  const namespace = await kube().core.readNamespace({ name });
  const uid = namespace.metadata?.uid;
  if (!uid) throw new Error(`namespace ${name} has no uid`);
  return uid;
}

/** A lookup of the current uids of `names`, read now; any other name is unknown. */
export async function uidsOf(...names: string[]): Promise<UidOf> {
  const uids = new Map(await Promise.all(names.map(async (name) => [name, await namespaceUid(name)] as const)));
  return (name) => uids.get(name);
}
