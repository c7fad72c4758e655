// What a garbage collection must not delete, as a set of digests it can re-read cheaply before each
// deletion batch: every manifest in use and every digest such a manifest mentions, every manifest
// and blob a push in flight has leased, and every recent manifest with what it mentions.
//
// Why each rule:
// - a manifest in use is read as bytes, not parsed (digest-scan.ts): a corrupt or unsafe one still
//   protects whatever it names, and no manifest is ever held whole in memory;
// - a digest in use with no manifest (a spec naming a file set never pushed) protects nothing and is
//   counted, not a reason to stop: there is nothing it could lose;
// - the live set is a function, called again at each refresh: a Dataset applied mid-sweep counts.
import { forEachBounded } from './bounded.ts';
import { scanDigests } from './digest-scan.ts';
import { DigestSet } from './digest-set.ts';
import { manifestKey, manifestPrefix } from './manifest.ts';
import { ObjectNotFoundError, type BlobStore, type StoredObject } from './object-store.ts';
import { leaseKeys, leasePrefix, parseLeaseKey, pushLeaseTtlMs } from './push-lease.ts';

/** The digests (`sha256:<hex>`) of every manifest in use: a list, or a function read at each refresh. */
export type LiveManifests = readonly string[] | (() => Iterable<string> | Promise<Iterable<string>>);

/** The age rule: objects modified after `now - graceMs` are kept whatever refers to them. */
export interface GracePolicy {
  now: Date;
  graceMs: number;
}

const scanConcurrency = 8;
const missingSampleSize = 10;
const hexPattern = /^[0-9a-f]{64}$/;
const liveDigestPattern = /^sha256:[0-9a-f]{64}$/;

/** Whether `object` was modified within the grace period. */
export function isRecent(object: StoredObject, policy: GracePolicy): boolean {
  return object.lastModified.getTime() > policy.now.getTime() - policy.graceMs;
}

/** The hex digest a blob or manifest key ends in, or undefined for a key that is not one. */
export function hexOfKey(key: string): string | undefined {
  const hex = key.slice(key.lastIndexOf('/') + 1);
  return hexPattern.test(hex) ? hex : undefined;
}

/** The protected set of one collection; `refresh` before deciding, `has` to decide. */
export class Protection {
  /** When the last refresh began (by the collection's clock). */
  refreshedAt = 0;
  /** How many digests in use had no manifest, and a few of them. */
  readonly missing = { count: 0, sample: [] as string[] };
  private readonly protectedHex = new DigestSet();
  private readonly scanned = new DigestSet();
  private readonly scannedLeases = new Set<string>();
  private readonly malformed = new Set<string>();
  private readonly deps: { store: BlobStore; live: LiveManifests; policy: GracePolicy; clock: () => number };

  constructor(deps: { store: BlobStore; live: LiveManifests; policy: GracePolicy; clock: () => number }) {
    this.deps = deps;
  }

  /** Memory the protected set holds, in bytes. */
  get bytes(): number {
    return this.protectedHex.bytes + this.scanned.bytes;
  }

  /** Whether the blob or manifest with this hex digest must be kept. */
  has(hex: string): boolean {
    return this.protectedHex.has(hex);
  }

  /** Re-reads the live set and the leases and, with `recentManifests`, lists manifests for new ones. */
  async refresh(options: { recentManifests: boolean }): Promise<void> {
    this.refreshedAt = this.deps.clock();
    const live = typeof this.deps.live === 'function' ? await this.deps.live() : this.deps.live;
    await this.scanAll([...live].flatMap((digest) => this.hexOfLive(digest)));
    await this.protectLeases();
    if (options.recentManifests) await this.protectRecentManifests();
  }

  // A malformed digest (an object written before its schema checked it) names nothing: skipped and
  // counted like a missing one, never a reason to stop.
  private hexOfLive(digest: string): string[] {
    if (liveDigestPattern.test(digest)) return [digest.slice('sha256:'.length)];
    if (!this.malformed.has(digest)) this.noteMissing(digest);
    this.malformed.add(digest);
    return [];
  }

  private noteMissing(digest: string): void {
    this.missing.count += 1;
    if (this.missing.sample.length < missingSampleSize) this.missing.sample.push(digest);
  }

  private async scanAll(hexes: string[]): Promise<void> {
    for (const hex of hexes) this.protectedHex.add(hex);
    const unscanned = [...new Set(hexes)].filter((hex) => !this.scanned.has(hex));
    await forEachBounded(unscanned, scanConcurrency, (hex) => this.scanManifest(hex));
  }

  private async scanManifest(hex: string): Promise<void> {
    try {
      await scanDigests(await this.deps.store.get(manifestKey(`sha256:${hex}`)), (found) => this.protectedHex.add(found));
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw new Error(`reading manifest sha256:${hex} for garbage collection`, { cause: error });
      // Not there: nothing to protect. Should it be pushed later, it is recent, and found as such.
      this.noteMissing(`sha256:${hex}`);
    }
    this.scanned.add(hex);
  }

  private async protectLeases(): Promise<void> {
    const heads: string[] = [];
    for await (const object of this.deps.store.list(leasePrefix)) {
      const lease = parseLeaseKey(object.key);
      if (lease?.part === 'head' && !this.scannedLeases.has(lease.id) && isLeaseActive(object, this.deps.policy)) heads.push(lease.id);
    }
    await forEachBounded(heads, scanConcurrency, async (id) => {
      try {
        await scanDigests(await this.deps.store.get(leaseKeys(id).digests), (found) => this.protectedHex.add(found));
      } catch (error) {
        // Released between the listing and now: its push is done with it.
        if (!(error instanceof ObjectNotFoundError)) throw new Error(`reading lease ${id} for garbage collection`, { cause: error });
      }
      this.scannedLeases.add(id);
    });
  }

  private async protectRecentManifests(): Promise<void> {
    let pending: string[] = [];
    for await (const object of this.deps.store.list(manifestPrefix)) {
      const hex = hexOfKey(object.key);
      if (hex === undefined || !isRecent(object, this.deps.policy) || this.scanned.has(hex)) continue;
      pending.push(hex);
      if (pending.length >= 256) {
        await this.scanAll(pending);
        pending = [];
      }
    }
    await this.scanAll(pending);
  }
}

/** Whether a lease head listed with this age still protects its push (by the store's clock). */
export function isLeaseActive(head: StoredObject, policy: GracePolicy): boolean {
  return head.lastModified.getTime() > policy.now.getTime() - pushLeaseTtlMs;
}
