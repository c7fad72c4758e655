// Digests of files this machine already hashed, so an unchanged file is not read again: the
// unchanged re-push of a large tree costs a stat per file instead of reading every byte.
//
// An entry names one file by its identity (device, inode) and is trusted only while size, mtime
// and ctime, to the nanosecond, are all what they were. Content cannot change without ctime moving,
// and ctime cannot be set by a process (utimes sets it to now), so a changed file misses. One race
// is left, as git's index has it: a write in the same clock tick as the stat we recorded leaves
// ctime unchanged, so an entry whose ctime was that close to its recording is not kept.
// Should an entry still be stale, the damage is bounded: a blob the store lacks is PUT bound to the
// cached digest and the store refuses bytes that do not hash to it, so the push fails instead of
// storing wrong bytes; only a blob the namespace already holds could be named for a file that does
// not hold it, which needs a ctime forged (the system clock set back, by root). The cache lives in
// the pod's root volume outside the subPaths the main container mounts: the code of a run cannot
// write it.
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The mover's hash cache file, when it should keep one (a path; unset: none). */
export const hashCacheEnv = 'TESSERA_HASH_CACHE';

/** What must be unchanged for a cached digest to stand for a file. */
export interface FileIdentity {
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
}

interface CacheEntry extends FileIdentity {
  digest: string;
}

// Kernel file timestamps come from a clock that ticks in jiffies (≤ 10 ms): 20 ms leaves room. A
// file system that keeps whole seconds only (ext3, HFS+) ticks once a second.
const racyMarginNs = 20_000_000n;
const wholeSecondMarginNs = 2_000_000_000n;
// One entry per file of a tree; a cache past this is started afresh rather than grown for ever.
const maxEntries = 200_000;

/** The identity of a file from a stat with bigint times (nanoseconds). */
export function identityOf(stats: BigIntStats): FileIdentity {
  return { dev: String(stats.dev), ino: String(stats.ino), size: Number(stats.size), mtimeNs: String(stats.mtimeNs), ctimeNs: String(stats.ctimeNs) };
}

/** Whether a stat taken at `statAtNs` (wall clock) can be trusted later: its ctime is not in the tick it was taken in. */
export function settledAt(identity: FileIdentity, statAtNs: bigint): boolean {
  const ctime = BigInt(identity.ctimeNs);
  return statAtNs - ctime > (ctime % 1_000_000_000n === 0n ? wholeSecondMarginNs : racyMarginNs);
}

/** How long to wait before a file changed at `ctimeNs` can be recorded: 0 when it already can. */
export function settleDelayMs(identity: FileIdentity, nowAtNs: bigint): number {
  for (let ms = 0; ms <= 2_000; ms += 5) if (settledAt(identity, nowAtNs + BigInt(ms) * 1_000_000n)) return ms;
  return 2_005;
}

/** Whether `entry` still describes the file now identified as `current`. Pure. */
export function stillMatches(entry: FileIdentity, current: FileIdentity): boolean {
  return entry.dev === current.dev && entry.ino === current.ino && entry.size === current.size && entry.mtimeNs === current.mtimeNs && entry.ctimeNs === current.ctimeNs;
}

/** The wall clock in nanoseconds, comparable with file timestamps. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** A hash cache in memory, loaded from and saved to one JSON file. */
export class HashCache {
  readonly #entries = new Map<string, CacheEntry>();
  #changed = false;
  readonly path: string | undefined;

  private constructor(path: string | undefined) {
    this.path = path;
  }

  /** A cache that remembers nothing: for callers that were given no cache file. */
  static none(): HashCache {
    return new HashCache(undefined);
  }

  /** The cache in `path`; an absent or unreadable file is an empty cache (it only ever saves work). */
  static async load(path: string): Promise<HashCache> {
    const cache = new HashCache(path);
    const text = await readFile(path, 'utf8').catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : [];
    } catch {
      parsed = [];
    }
    if (Array.isArray(parsed)) for (const entry of parsed as unknown[]) if (isEntry(entry)) cache.#entries.set(keyOf(entry), entry);
    return cache;
  }

  /** The cached digest of the file now identified as `current`, if it is unchanged. */
  lookup(current: FileIdentity): string | undefined {
    const entry = this.#entries.get(keyOf(current));
    return entry && stillMatches(entry, current) ? entry.digest : undefined;
  }

  /** Remembers `digest` for the file as stat'ed at `statAtNs`, unless that stat was too fresh to trust. */
  record(identity: FileIdentity, digest: string, statAtNs: bigint): boolean {
    if (this.path === undefined || !settledAt(identity, statAtNs)) return false;
    if (this.#entries.size >= maxEntries) this.#entries.clear();
    this.#entries.set(keyOf(identity), { ...identity, digest });
    this.#changed = true;
    return true;
  }

  /** Writes the cache back if it changed (a new file renamed over the old one). */
  async save(): Promise<void> {
    if (this.path === undefined || !this.#changed) return;
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify([...this.#entries.values()]), { mode: 0o600 });
    await rename(temporary, this.path);
    this.#changed = false;
  }
}

function keyOf(identity: FileIdentity): string {
  return `${identity.dev}:${identity.ino}`;
}

function isEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['dev', 'ino', 'mtimeNs', 'ctimeNs', 'digest'].every((k) => typeof v[k] === 'string') && typeof v.size === 'number' && /^sha256:[0-9a-f]{64}$/.test(String(v.digest));
}

/** The cache in `path`, or one that remembers nothing when there is no path. */
export async function openHashCache(path: string | undefined): Promise<HashCache> {
  return path ? HashCache.load(path) : HashCache.none();
}

/** A file whose digest is known because it was just written from verified bytes. */
export interface KnownFile {
  absolutePath: string;
  digest: string;
  identity: FileIdentity;
}

/**
 * Remembers the digests of files just written (a pull's), then saves the cache. Their ctime is
 * fresh, so this first waits out the clock tick (milliseconds), then records each file that is
 * still as it was written.
 */
export async function rememberFiles(cache: HashCache, files: readonly KnownFile[]): Promise<void> {
  if (cache.path === undefined || files.length === 0) return;
  const now = nowNs();
  const delay = files.reduce((most, f) => Math.max(most, settleDelayMs(f.identity, now)), 0);
  if (delay > 0) await sleep(delay);
  // Taken before the stats, so each stat is at least this late: the conservative side.
  const statAt = nowNs();
  for (const file of files) {
    const stats = await lstat(file.absolutePath, { bigint: true }).catch(() => undefined);
    const current = stats && identityOf(stats);
    if (current && stillMatches(file.identity, current)) cache.record(current, file.digest, statAt);
  }
  await cache.save();
}
