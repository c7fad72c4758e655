// Which namespaces may read a file set. A digest alone is not a capability: a Job may pin a file set
// by digest only if its namespace was granted it: by pushing it (the CLI, a run's commit) or by a
// ComputePlan handing a parent's output to a consumer in another namespace. Grants are small
// objects in the store, which only the operator and the platform's CLI can write.
import { digestHex } from './manifest.ts';
import type { BlobStore } from './object-store.ts';

/** Where the grant of `digest` to `namespace` lives. */
export function accessKey(namespace: string, digest: string): string {
  return `access/${namespace}/${digestHex(digest)}`;
}

/** The prefix of every grant, for garbage collection. */
export const accessPrefix = 'access/';

const empty = Buffer.alloc(0);
const emptySha256Hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Records that `namespace` may read the file set `digest`; idempotent. */
export async function grantAccess(store: BlobStore, namespace: string, digest: string): Promise<void> {
  await store.put(accessKey(namespace, digest), empty, 0, emptySha256Hex);
}

/** Whether `namespace` was granted the file set `digest`. */
export async function hasAccess(store: BlobStore, namespace: string, digest: string): Promise<boolean> {
  return store.has(accessKey(namespace, digest));
}

/** Removes a grant (a released intermediate output); a missing one is not an error. */
export async function revokeAccess(store: BlobStore, namespace: string, digest: string): Promise<void> {
  await store.delete([accessKey(namespace, digest)]);
}
