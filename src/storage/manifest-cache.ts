// Manifests are immutable (a digest names exactly one), so reading one is cached without expiry;
// the bound is on how many are kept, least recently used first out. Concurrent reads of the same
// digest share one fetch.
import { readManifest } from './manifest-io.ts';
import type { Manifest } from './manifest.ts';
import type { BlobStore } from './object-store.ts';

/** Reads manifests through a bounded LRU cache. */
export class ManifestCache {
  private readonly store: BlobStore;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Promise<Manifest>>();

  constructor(store: BlobStore, maxEntries = 64) {
    this.store = store;
    this.maxEntries = maxEntries;
  }

  /** The manifest `digest`, verified; throws ObjectNotFoundError when the store has none. */
  get(digest: string): Promise<Manifest> {
    const hit = this.entries.get(digest);
    if (hit) {
      this.entries.delete(digest);
      this.entries.set(digest, hit);
      return hit;
    }
    const loading = readManifest(this.store, digest);
    // A failed read is not remembered: the manifest may appear, or the store come back.
    loading.catch(() => this.entries.delete(digest));
    this.entries.set(digest, loading);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return loading;
  }
}
