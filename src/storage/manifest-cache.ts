// Manifests are immutable (a digest names exactly one), so reading one is cached without expiry.
// The bound is on memory, not on how many: a manifest of a million entries holds hundreds of MiB of
// heap, so the cache weighs each one and drops the least recently used until the total fits; one
// heavier than the whole budget is handed out but never kept. Concurrent reads of the same digest
// share one fetch. What a manifest is (valid with its totals, unsafe, corrupt) is kept apart in a
// small verdict cache: controllers asking "may this file set be used?" never hold the manifest.
import { isInvalidManifest, readManifest } from './manifest-io.ts';
import { UnsafePathError, type Manifest } from './manifest.ts';
import { ObjectNotFoundError, type BlobStore } from './object-store.ts';

/** What a file set's manifest says about using it; `missing` is the only verdict that can change. */
export type FileSetVerdict =
  | { kind: 'valid'; files: number; bytes: number }
  | { kind: 'unsafe'; path: string; message: string }
  | { kind: 'corrupt'; message: string }
  | { kind: 'missing' };

/** Bounds of a ManifestCache. */
export interface ManifestCacheLimits {
  /** Approximate heap bytes of the manifests kept. Default 64 MiB. */
  maxBytes?: number;
  /** Verdicts kept (each a few hundred bytes). Default 10,000. */
  maxVerdicts?: number;
}

const defaultMaxBytes = 64 * 1024 * 1024;
const defaultMaxVerdicts = 10_000;
// Messages end up in conditions and events; a zod error on a huge manifest could be megabytes.
const maxMessageChars = 512;
// A 4 KiB path is named by its start: enough to find it, and the reason still fits after it.
const maxPathChars = 200;

/**
 * Approximately how much heap a parsed manifest takes: per entry an object, its digest string and
 * its path (two bytes a character at worst). Measured at ~112 bytes an entry with 12-character paths
 * (`npm run bench -- gc`); this says 144, so the budget errs on the safe side.
 */
export function approximateManifestBytes(manifest: Manifest): number {
  let bytes = 64;
  for (const entry of manifest.entries) bytes += 120 + 2 * entry.path.length;
  return bytes;
}

/** The verdict for a manifest that read, or for the error reading it threw; rethrows I/O errors. */
export function verdictOf(outcome: { manifest: Manifest } | { error: unknown }): FileSetVerdict {
  if ('manifest' in outcome) {
    const entries = outcome.manifest.entries;
    return { kind: 'valid', files: entries.length, bytes: entries.reduce((sum, e) => sum + e.size, 0) };
  }
  const error = outcome.error;
  if (error instanceof ObjectNotFoundError) return { kind: 'missing' };
  if (error instanceof UnsafePathError) return { kind: 'unsafe', path: error.path, message: `unsafe path ${clip(JSON.stringify(error.path), maxPathChars)}: ${error.reason}` };
  if (isInvalidManifest(error)) return { kind: 'corrupt', message: clip(error instanceof Error ? error.message : String(error)) };
  throw error;
}

function clip(message: string, max = maxMessageChars): string {
  return message.length <= max ? message : `${message.slice(0, max)}…`;
}

interface Kept {
  manifest: Promise<Manifest>;
  /** Unknown (0) while loading. */
  bytes: number;
}

/** Reads manifests through an LRU cache bounded by bytes, and remembers each one's verdict. */
export class ManifestCache {
  private readonly store: Pick<BlobStore, 'get'>;
  private readonly maxBytes: number;
  private readonly maxVerdicts: number;
  private readonly kept = new Map<string, Kept>();
  private readonly verdicts = new Map<string, FileSetVerdict>();
  private keptBytes = 0;

  constructor(store: Pick<BlobStore, 'get'>, limits: ManifestCacheLimits = {}) {
    this.store = store;
    this.maxBytes = limits.maxBytes ?? defaultMaxBytes;
    this.maxVerdicts = limits.maxVerdicts ?? defaultMaxVerdicts;
  }

  /** Approximate heap bytes of the manifests held now. */
  get bytes(): number {
    return this.keptBytes;
  }

  /** The manifest `digest`, verified; throws ObjectNotFoundError when the store has none. */
  get(digest: string): Promise<Manifest> {
    const hit = this.kept.get(digest);
    if (hit) {
      this.kept.delete(digest);
      this.kept.set(digest, hit);
      return hit.manifest;
    }
    const entry: Kept = { manifest: readManifest(this.store, digest), bytes: 0 };
    this.kept.set(digest, entry);
    entry.manifest.then(
      (manifest) => this.weigh(digest, entry, approximateManifestBytes(manifest)),
      // A failed read is not remembered: the manifest may appear, or the store come back.
      () => this.forget(digest, entry),
    );
    return entry.manifest;
  }

  /** What the manifest `digest` says about using its file set; throws only on I/O errors. */
  async check(digest: string): Promise<FileSetVerdict> {
    const known = this.verdicts.get(digest);
    if (known) return known;
    let verdict: FileSetVerdict;
    try {
      verdict = verdictOf({ manifest: await this.get(digest) });
    } catch (error) {
      verdict = verdictOf({ error });
    }
    if (verdict.kind !== 'missing') this.remember(digest, verdict);
    return verdict;
  }

  private remember(digest: string, verdict: FileSetVerdict): void {
    this.verdicts.set(digest, verdict);
    for (const oldest of this.verdicts.keys()) {
      if (this.verdicts.size <= this.maxVerdicts) break;
      this.verdicts.delete(oldest);
    }
  }

  private weigh(digest: string, entry: Kept, bytes: number): void {
    if (this.kept.get(digest) !== entry) return;
    if (bytes > this.maxBytes) {
      this.kept.delete(digest);
      return;
    }
    entry.bytes = bytes;
    this.keptBytes += bytes;
    for (const [oldest, kept] of this.kept) {
      if (this.keptBytes <= this.maxBytes) break;
      if (oldest !== digest) this.forget(oldest, kept);
    }
  }

  private forget(digest: string, entry: Kept): void {
    if (this.kept.get(digest) !== entry) return;
    this.kept.delete(digest);
    this.keptBytes -= entry.bytes;
  }
}
