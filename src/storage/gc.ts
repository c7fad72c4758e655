// Garbage collection by reference accounting: a blob is garbage when nothing protected names it
// (gc-protection.ts says what is protected). The sweep streams the store's listings and deletes in
// batches of 1,000, so its memory is the protected set (16 bytes a digest) plus one batch, whatever
// the size of the store.
//
// Races with a concurrent push, and what covers them:
// - a push uploads blobs before its manifest exists: blobs younger than the grace period are kept,
//   and a push holding a lease (push-lease.ts) keeps every blob and its manifest however long it takes;
// - a push's manifest exists before the caller records it as in use: manifests younger than the
//   grace period count as in use, and those written while collecting are found before each batch;
// - a push finds its manifest or a blob already stored while a sweep is deleting it: before each
//   batch the sweep re-reads the live set and the leases, and deletes within maxRefreshAgeMs of
//   that; a lease holder checks only after leaseSettleMs, when any such deletion has been sent.
import { isLeaseActive, isRecent, hexOfKey, Protection, type GracePolicy, type LiveManifests } from './gc-protection.ts';
import { grantNamespaceUid, holdingPrefix, loanPrefix } from './access.ts';
import { DigestSet } from './digest-set.ts';
import { blobPrefix, manifestPrefix } from './manifest.ts';
import type { BlobStore, StoredObject } from './object-store.ts';
import { leasePrefix, maxRefreshAgeMs, parseLeaseKey, pushLeaseTtlMs } from './push-lease.ts';
import { isAbandonedStaging } from './staging.ts';

export { isRecent, type GracePolicy, type LiveManifests } from './gc-protection.ts';

/** What to collect. `now` is injected so the grace arithmetic is testable. */
export interface GcOptions {
  store: BlobStore;
  /** Digests (`sha256:<hex>`) of every manifest in use; a function is read again before each batch. */
  liveManifests: LiveManifests;
  /** Count, but delete nothing. */
  dryRun?: boolean;
  /** Objects modified this recently are never deleted. Default one hour. */
  graceMs?: number;
  now: Date;
  /** Milliseconds since the epoch, for how old a refresh is when a batch is deleted. Default Date.now. */
  clock?: () => number;
}

/** What a collection freed (or, on a dry run, would free). */
export interface GcResult {
  deletedBlobs: number;
  freedBytes: number;
  keptBlobs: number;
  /** Manifests neither in use nor recent: deleted before their blobs, so none points at a missing blob. */
  deletedManifests: number;
  /** Digests in use that have no manifest (e.g. a spec naming a file set never pushed): skipped. */
  missingLiveManifests: number;
  /** Up to ten of them, for a log line. */
  missingLiveSample: string[];
}

const defaultGraceMs = 60 * 60 * 1000;
/** Objects per deletion batch (the S3 DeleteObjects limit), each preceded by a refresh. */
const batchSize = 1_000;
const refreshAttempts = 3;

/** Whether a listed blob or manifest may go: past the grace period and not protected. */
export function isGarbage(object: StoredObject, protection: Pick<Protection, 'has'>, policy: GracePolicy): boolean {
  if (isRecent(object, policy)) return false;
  const hex = hexOfKey(object.key);
  return hex === undefined || !protection.has(hex);
}

interface Sweep {
  store: BlobStore;
  protection: Protection;
  policy: GracePolicy;
  dryRun: boolean;
  clock: () => number;
  /** Whether each refresh also looks for manifests written since the sweep began. */
  recentManifests: boolean;
}

/**
 * Deletes manifests no longer in use, then blobs nothing protected names, both past the grace
 * period. Throws (having deleted only whole, re-checked batches) when the store cannot be read.
 */
export async function collectGarbage(options: GcOptions): Promise<GcResult> {
  const policy: GracePolicy = { now: options.now, graceMs: options.graceMs ?? defaultGraceMs };
  const clock = options.clock ?? Date.now;
  const protection = new Protection({ store: options.store, live: options.liveManifests, policy, clock });
  await protection.refresh({ recentManifests: true });
  const sweep: Sweep = { store: options.store, protection, policy, dryRun: options.dryRun === true, clock, recentManifests: false };
  // Manifests first: if we stop halfway, no remaining manifest names a deleted blob.
  const manifests = await sweepPrefix(manifestPrefix, sweep);
  const blobs = await sweepPrefix(blobPrefix, { ...sweep, recentManifests: true });
  return {
    deletedBlobs: blobs.deleted,
    freedBytes: blobs.freedBytes,
    keptBlobs: blobs.kept,
    deletedManifests: manifests.deleted,
    missingLiveManifests: protection.missing.count,
    missingLiveSample: protection.missing.sample,
  };
}

interface SweepCounts {
  deleted: number;
  kept: number;
  freedBytes: number;
}

async function sweepPrefix(prefix: string, sweep: Sweep): Promise<SweepCounts> {
  const counts: SweepCounts = { deleted: 0, kept: 0, freedBytes: 0 };
  let batch: StoredObject[] = [];
  const flush = async (): Promise<void> => {
    const deleted = sweep.dryRun ? batch : await deleteUnprotected(batch, sweep);
    counts.deleted += deleted.length;
    counts.kept += batch.length - deleted.length;
    for (const object of deleted) counts.freedBytes += object.size;
    batch = [];
  };
  for await (const object of sweep.store.list(prefix)) {
    if (!isGarbage(object, sweep.protection, sweep.policy)) counts.kept += 1;
    else batch.push(object);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return counts;
}

// Re-reads what is protected, then deletes what is still garbage, at most maxRefreshAgeMs after the
// refresh began: a push whose lease was not seen yet waits longer than that before it checks.
async function deleteUnprotected(batch: readonly StoredObject[], sweep: Sweep): Promise<StoredObject[]> {
  if (batch.length === 0) return [];
  for (let attempt = 0; attempt < refreshAttempts; attempt++) {
    await sweep.protection.refresh({ recentManifests: sweep.recentManifests });
    const doomed = batch.filter((object) => isGarbage(object, sweep.protection, sweep.policy));
    if (sweep.clock() - sweep.protection.refreshedAt > maxRefreshAgeMs) continue;
    await sweep.store.delete(doomed.map((object) => object.key));
    return doomed;
  }
  throw new Error(`garbage collection could not re-read what is in use within ${maxRefreshAgeMs} ms of deleting; stopped`);
}

/** Deletes, in batches, every listed object `doomed` says may go; returns how many. */
async function deleteWhere(store: BlobStore, objects: AsyncIterable<StoredObject>, doomed: (object: StoredObject) => boolean): Promise<number> {
  let batch: string[] = [];
  let deleted = 0;
  for await (const object of objects) {
    if (!doomed(object)) continue;
    batch.push(object.key);
    if (batch.length >= batchSize) {
      await store.delete(batch);
      deleted += batch.length;
      batch = [];
    }
  }
  await store.delete(batch);
  return deleted + batch.length;
}

/**
 * Deletes grants nothing may use any more, past the grace period: holdings whose file set is gone
 * (collected, or never written), since one that outlives its manifest would be inherited by a
 * future file set with the same bytes; and holdings and loans of namespaces that no longer exist
 * (`liveNamespace` says which uids do), since their uid never comes back. Returns how many were
 * deleted.
 */
export async function collectOrphanGrants(store: BlobStore, policy: GracePolicy, liveNamespace: (uid: string) => boolean): Promise<number> {
  const manifests = new DigestSet();
  for await (const manifest of store.list(manifestPrefix)) {
    const hex = hexOfKey(manifest.key);
    if (hex !== undefined) manifests.add(hex);
  }
  const ofLiveNamespace = (grant: StoredObject): boolean => {
    const uid = grantNamespaceUid(grant.key);
    return uid !== undefined && liveNamespace(uid);
  };
  const holdings = await deleteWhere(store, store.list(holdingPrefix), (grant) => {
    const hex = hexOfKey(grant.key);
    return !isRecent(grant, policy) && !(hex !== undefined && manifests.has(hex) && ofLiveNamespace(grant));
  });
  // A loan of a live namespace is its plan's to withdraw; one of a dead namespace is nobody's.
  const loans = await deleteWhere(store, store.list(loanPrefix), (loan) => !isRecent(loan, policy) && !ofLiveNamespace(loan));
  return holdings + loans;
}

/**
 * Deletes what is under `staging/` and past the grace period: server-side copies being verified that
 * a crash left behind, and blobs staged by upload sessions (checksumMode off) that never committed,
 * unless their session still renews its lease. Returns how many.
 */
export async function collectStaging(store: BlobStore, policy: GracePolicy): Promise<number> {
  const activeSessions = new Set<string>();
  for await (const object of store.list(leasePrefix)) {
    const lease = parseLeaseKey(object.key);
    if (lease?.part === 'head' && isLeaseActive(object, policy)) activeSessions.add(lease.id);
  }
  return deleteWhere(store, store.list('staging/'), (object) => isAbandonedStaging(object, { ...policy, activeSessions }));
}

/**
 * Deletes the leases of pushes that died: a head not renewed for pushLeaseTtlMs plus the grace
 * period, and digests whose head is gone and that are past the grace period. Returns how many
 * objects were deleted. Leases are few (one per push in flight), so they are listed whole.
 */
export async function collectExpiredLeases(store: BlobStore, policy: GracePolicy): Promise<number> {
  const heads = new Map<string, StoredObject>();
  const digests: Array<{ id: string; object: StoredObject }> = [];
  for await (const object of store.list(leasePrefix)) {
    const lease = parseLeaseKey(object.key);
    if (lease?.part === 'head') heads.set(lease.id, object);
    else if (lease) digests.push({ id: lease.id, object });
  }
  const expired = { now: policy.now, graceMs: policy.graceMs + pushLeaseTtlMs };
  const doomedHeads = [...heads.values()].filter((head) => !isRecent(head, expired));
  const dead = new Set(doomedHeads.map((head) => parseLeaseKey(head.key)?.id));
  const doomedDigests = digests.filter(({ id, object }) => dead.has(id) || (!heads.has(id) && !isRecent(object, policy)));
  const keys = [...doomedHeads.map((head) => head.key), ...doomedDigests.map(({ object }) => object.key)];
  await store.delete(keys);
  return keys.length;
}
