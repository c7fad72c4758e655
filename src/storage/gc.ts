// Garbage collection by reference accounting: a blob is garbage when no manifest in use names it.
// The caller says which manifests are in use; the store says what exists and how old it is.
//
// Races with a concurrent push, and what covers them:
// - a push uploads blobs before its manifest exists: blobs younger than the grace period are kept;
// - a push's manifest exists before the caller records it as in use: manifests younger than the
//   grace period count as in use, and manifests written while collecting are re-read before deleting;
// - a push skipped an old unreferenced blob that is deleted here before its manifest protects it:
//   pushDirectory re-checks skipped blobs after writing its manifest and uploads any that vanished.
import { accessPrefix } from './access.ts';
import { forEachBounded } from './bounded.ts';
import { isInvalidManifest, readManifest } from './manifest-io.ts';
import { blobKey, blobPrefix, manifestPrefix, type Manifest } from './manifest.ts';
import type { BlobStore, StoredObject } from './object-store.ts';

/** What to collect. `now` is injected so the grace arithmetic is testable. */
export interface GcOptions {
  store: BlobStore;
  /** Digests (`sha256:<hex>`) of every manifest in use; all must exist in the store. */
  liveManifests: readonly string[];
  /** Count, but delete nothing. */
  dryRun?: boolean;
  /** Objects modified this recently are never deleted. Default one hour. */
  graceMs?: number;
  now: Date;
}

/** What a collection freed (or, on a dry run, would free). */
export interface GcResult {
  deletedBlobs: number;
  freedBytes: number;
  keptBlobs: number;
  /** Manifests neither in use nor recent: deleted with their blobs, so none points at a missing blob. */
  deletedManifests: number;
}

/** The age rule: objects modified after `now - graceMs` are kept whatever refers to them. */
export interface GracePolicy {
  now: Date;
  graceMs: number;
}

const defaultGraceMs = 60 * 60 * 1000;
const loadConcurrency = 8;

function isRecent(object: StoredObject, policy: GracePolicy): boolean {
  return object.lastModified.getTime() > policy.now.getTime() - policy.graceMs;
}

/** The blobs to delete: named by no manifest in `liveManifests` and older than the grace period. */
export function unreferencedBlobs(
  allBlobs: readonly StoredObject[],
  liveManifests: readonly Manifest[],
  policy: GracePolicy,
): StoredObject[] {
  const referenced = referencedBlobKeys(liveManifests);
  return allBlobs.filter((blob) => !referenced.has(blob.key) && !isRecent(blob, policy));
}

function referencedBlobKeys(manifests: Iterable<Manifest>): Set<string> {
  const referenced = new Set<string>();
  for (const manifest of manifests) {
    for (const entry of manifest.entries) referenced.add(blobKey(entry.digest));
  }
  return referenced;
}

/** The manifests to delete: not in use and older than the grace period. */
export function unusedManifests(
  allManifests: readonly StoredObject[],
  liveDigests: readonly string[],
  policy: GracePolicy,
): StoredObject[] {
  const live = new Set(liveDigests.map(digestOfManifestKey));
  return allManifests.filter((m) => !live.has(digestOfManifestKey(m.key)) && !isRecent(m, policy));
}

/** The digests a collection must treat as in use: the caller's plus every recent manifest. */
export function protectedManifests(
  allManifests: readonly StoredObject[],
  liveDigests: readonly string[],
  policy: GracePolicy,
): string[] {
  const recent = allManifests.filter((m) => isRecent(m, policy)).map((m) => digestOfManifestKey(m.key));
  return [...new Set([...liveDigests, ...recent])];
}

function digestOfManifestKey(keyOrDigest: string): string {
  return keyOrDigest.startsWith(manifestPrefix) ? `sha256:${keyOrDigest.slice(manifestPrefix.length)}` : keyOrDigest;
}

/**
 * Deletes blobs no manifest in use refers to, and manifests no longer in use, both past the grace
 * period. Throws before deleting anything if a manifest in use cannot be read.
 */
export async function collectGarbage(options: GcOptions): Promise<GcResult> {
  const policy: GracePolicy = { now: options.now, graceMs: options.graceMs ?? defaultGraceMs };
  const manifests = await listAll(options.store, manifestPrefix);
  const loaded = await loadManifests(options.store, protectedManifests(manifests, options.liveManifests, policy), options.liveManifests);
  const blobs = await listAll(options.store, blobPrefix);
  let doomedBlobs = unreferencedBlobs(blobs, [...loaded.values()], policy);
  const doomedManifests = unusedManifests(manifests, options.liveManifests, policy);
  if (!options.dryRun) {
    doomedBlobs = await withoutNewlyReferenced(options.store, doomedBlobs, manifests);
    // Manifests first: if we stop halfway, no remaining manifest names a deleted blob.
    await options.store.delete(doomedManifests.map((m) => m.key));
    await options.store.delete(doomedBlobs.map((b) => b.key));
  }
  return {
    deletedBlobs: doomedBlobs.length,
    freedBytes: doomedBlobs.reduce((sum, b) => sum + b.size, 0),
    keptBlobs: blobs.length - doomedBlobs.length,
    deletedManifests: doomedManifests.length,
  };
}

async function listAll(store: BlobStore, prefix: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  for await (const object of store.list(prefix)) objects.push(object);
  return objects;
}

// Live manifests must load; a recent one that is invalid can never be pulled, so it protects nothing.
async function loadManifests(
  store: BlobStore,
  digests: readonly string[],
  liveDigests: readonly string[],
): Promise<Map<string, Manifest>> {
  const live = new Set(liveDigests);
  const loaded = new Map<string, Manifest>();
  await forEachBounded(digests, loadConcurrency, async (digest) => {
    try {
      loaded.set(digest, await readManifest(store, digest));
    } catch (error) {
      if (live.has(digest) || !isInvalidManifest(error)) {
        throw new Error(`reading manifest ${digest} for garbage collection`, { cause: error });
      }
    }
  });
  return loaded;
}

// A push may have committed a manifest since we listed: spare the blobs it names.
async function withoutNewlyReferenced(
  store: BlobStore,
  doomed: readonly StoredObject[],
  listedBefore: readonly StoredObject[],
): Promise<StoredObject[]> {
  const seen = new Set(listedBefore.map((m) => m.key));
  const fresh = (await listAll(store, manifestPrefix)).filter((m) => !seen.has(m.key));
  const freshManifests = await loadManifests(store, fresh.map((m) => digestOfManifestKey(m.key)), []);
  const referenced = referencedBlobKeys(freshManifests.values());
  return doomed.filter((blob) => !referenced.has(blob.key));
}

/**
 * Deletes access grants whose file set is gone (collected, or never written): a grant names a
 * manifest by digest, and one that outlives its manifest would be inherited by a future file set
 * with the same bytes. Returns how many were deleted.
 */
export async function collectOrphanGrants(store: BlobStore, policy: GracePolicy): Promise<number> {
  const manifests = new Set((await listAll(store, manifestPrefix)).map((m) => m.key.slice(manifestPrefix.length)));
  const orphans = (await listAll(store, accessPrefix)).filter((grant) => !manifests.has(grant.key.slice(grant.key.lastIndexOf('/') + 1)) && !isRecent(grant, policy));
  await store.delete(orphans.map((grant) => grant.key));
  return orphans.length;
}

/** Deletes staging copies (server-side copies being verified) a crash left behind; returns how many. */
export async function collectStaging(store: BlobStore, policy: GracePolicy): Promise<number> {
  const stale = (await listAll(store, 'staging/')).filter((object) => !isRecent(object, policy));
  await store.delete(stale.map((object) => object.key));
  return stale.length;
}
