// A push in flight tells garbage collection which file set it is writing, for as long as it lasts.
// A push uploads blobs, then the manifest, then its caller records the digest in a Dataset or Algo:
// until that record is in the operator's caches, nothing in use names the push's blobs, and a push
// slower than the GC grace period (or one that found its manifest already stored) could lose
// them. The lease closes that gap: two objects under `leases/<id>/`, `digests` (the manifest's digest
// and every blob's, one `sha256:<hex>` a line, written once) and `head` (empty, renewed every
// minute). Garbage collection honours a lease whose head it listed as modified within
// pushLeaseTtlMs, by the store's clock, so a workstation's clock does not matter; it re-reads the
// leases right before every deletion batch and deletes within maxRefreshAgeMs of reading them.
// holdPushLease returns only after leaseSettleMs: every deletion decided before the lease was
// visible has been sent by then, so what the caller checks afterwards stays true while it holds it.
import { createHash, randomUUID } from 'node:crypto';
import { sha256Bytes } from './hashing.ts';
import { digestHex, manifestDigest, type Manifest } from './manifest.ts';
import type { BlobStore } from './object-store.ts';

/** The prefix of every lease object. */
export const leasePrefix = 'leases/';
/** A lease whose head was not renewed for this long protects nothing (its push died). */
export const pushLeaseTtlMs = 5 * 60_000;
/** How often a held lease's head is rewritten. */
export const pushLeaseRenewMs = 60_000;
/** Garbage collection sends a deletion at most this long after it last read the leases. */
export const maxRefreshAgeMs = 1_000;
/** How long holdPushLease waits after its lease is visible; comfortably above maxRefreshAgeMs. */
export const leaseSettleMs = 3_000;

/** A lease being held; release it once the file set is recorded as in use (or the push failed). */
export interface PushLease {
  id: string;
  /** Stops renewing and deletes the lease; safe to call more than once. */
  release(): Promise<void>;
}

/** How to hold a lease; the defaults are the protocol's, tests shorten them. */
export interface PushLeaseOptions {
  renewEveryMs?: number;
  settleMs?: number;
}

/**
 * The lease an upload session holds (a workstation's or a run's), named by the session's token,
 * which only its pusher and the operator have: the pusher renews it by presenting the token.
 */
export function uploadLeaseId(sessionToken: string): string {
  return `upload-${createHash('sha256').update(sessionToken).digest('hex').slice(0, 40)}`;
}

/**
 * Runs `send` while calling `renew` every `everyMs` (a lease holder's heartbeat). A failed renewal
 * is tried again at the next tick: the lease lapses only after pushLeaseTtlMs without one.
 */
export async function renewingWhile<T>(renew: () => Promise<unknown>, send: () => Promise<T>, everyMs = pushLeaseRenewMs): Promise<T> {
  const timer = setInterval(() => void renew().catch(() => undefined), everyMs);
  try {
    return await send();
  } finally {
    clearInterval(timer);
  }
}

/** The keys of lease `id`. */
export function leaseKeys(id: string): { head: string; digests: string } {
  return { head: `${leasePrefix}${id}/head`, digests: `${leasePrefix}${id}/digests` };
}

/** The lease id of a key under leasePrefix, and which of its two objects the key is. */
export function parseLeaseKey(key: string): { id: string; part: 'head' | 'digests' } | undefined {
  const match = /^leases\/([^/]+)\/(head|digests)$/.exec(key);
  return match ? { id: match[1] ?? '', part: match[2] === 'head' ? 'head' : 'digests' } : undefined;
}

/** The body of a lease's `digests`: the manifest's digest, then each distinct blob digest. */
export function leaseBody(manifest: Manifest): Buffer {
  const digests = new Set([manifestDigest(manifest), ...manifest.entries.map((e) => e.digest)]);
  for (const digest of digests) digestHex(digest); // refuses anything that is not a digest
  return Buffer.from(`${[...digests].join('\n')}\n`);
}

async function putBytes(store: BlobStore, key: string, bytes: Buffer): Promise<void> {
  await store.put(key, bytes, bytes.length, digestHex(sha256Bytes(bytes).digest));
}

const empty = Buffer.alloc(0);

/** Writes lease `id` for `manifest`: its digests first, so a head in the store always has them. */
export async function writePushLease(store: BlobStore, id: string, manifest: Manifest): Promise<void> {
  await writeLeaseOf(store, id, leaseBody(manifest));
}

/**
 * Writes lease `id` for a manifest not yet at hand (an upload session knows the manifest's digest
 * and the blobs it will send before it sees the manifest): `digests`, one each.
 */
export async function writeDigestLease(store: BlobStore, id: string, digests: Iterable<string>): Promise<void> {
  const distinct = new Set(digests);
  for (const digest of distinct) digestHex(digest); // refuses anything that is not a digest
  await writeLeaseOf(store, id, Buffer.from(`${[...distinct].join('\n')}\n`));
}

async function writeLeaseOf(store: BlobStore, id: string, body: Buffer): Promise<void> {
  const keys = leaseKeys(id);
  await putBytes(store, keys.digests, body);
  await putBytes(store, keys.head, empty);
}

/** Renews lease `id` (rewrites its head): call at least every pushLeaseTtlMs, e.g. on each request of a session. */
export async function renewPushLease(store: BlobStore, id: string): Promise<void> {
  await putBytes(store, leaseKeys(id).head, empty);
}

/** Deletes lease `id`; a lease already gone is not an error. */
export async function releasePushLease(store: BlobStore, id: string): Promise<void> {
  const keys = leaseKeys(id);
  await store.delete([keys.head, keys.digests]);
}

/**
 * Protects `manifest` and every blob it names from garbage collection until released (or until
 * pushLeaseTtlMs after this process stops renewing it). Call it after hashing and before checking
 * what the store already has; resolves once the lease is visible and settled.
 */
export async function holdPushLease(store: BlobStore, manifest: Manifest, options: PushLeaseOptions = {}): Promise<PushLease> {
  const id = randomUUID();
  await writePushLease(store, id, manifest);
  // A failed renewal is tried again at the next tick; the lease lapses only after pushLeaseTtlMs.
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewPushLease(store, id).catch(() => undefined);
  }, options.renewEveryMs ?? pushLeaseRenewMs);
  timer.unref();
  let released = false;
  const release = async (): Promise<void> => {
    clearInterval(timer);
    if (released) return;
    released = true;
    // A renewal still in flight would write the head back after the delete.
    await renewing;
    await releasePushLease(store, id);
  };
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? leaseSettleMs));
  return { id, release };
}
