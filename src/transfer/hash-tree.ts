// Hashing the tree a push sends, with the hash cache: each file is opened as the walk found it
// (a link swapped in is refused), stat'ed, and read only if the cache has no digest for it as it is
// now. What was read is remembered for the next push.
import { forEachBounded } from '../storage/bounded.ts';
import type { HashedTree, LocalBlob } from '../storage/file-sets.ts';
import { sha256FileHandle, type Digested } from '../storage/hashing.ts';
import { comparePaths, type ManifestEntry } from '../storage/manifest.ts';
import { listRegularFiles, openWalkedFile, type LocalFile } from '../storage/walk.ts';
import { identityOf, nowNs, type HashCache } from './hash-cache.ts';

/** What hashing a tree took: files whose digest came from the cache, and bytes actually read. */
export interface HashStats {
  cachedFiles: number;
  hashedBytes: number;
}

async function digestOf(file: LocalFile, cache: HashCache, stats: HashStats): Promise<Digested> {
  const handle = await openWalkedFile(file);
  try {
    // Taken before the stat, so the stat is at least this late: the conservative side.
    const statAt = nowNs();
    const identity = identityOf(await handle.stat({ bigint: true }));
    const cached = cache.lookup(identity);
    if (cached) {
      stats.cachedFiles++;
      return { digest: cached, size: identity.size };
    }
    const digested = await sha256FileHandle(handle);
    stats.hashedBytes += digested.size;
    // A file that grew or shrank while it was read has no digest worth keeping.
    if (digested.size === identity.size) cache.record(identity, digested.digest, statAt);
    return digested;
  } finally {
    await handle.close();
  }
}

/** Lists and hashes every regular file under `dir` (the refusals of listRegularFiles), using and filling `cache`. */
export async function hashTreeCached(dir: string, cache: HashCache, concurrency = 8): Promise<HashedTree & { stats: HashStats }> {
  const files = await listRegularFiles(dir);
  const entries: ManifestEntry[] = [];
  const blobs = new Map<string, LocalBlob>();
  const stats: HashStats = { cachedFiles: 0, hashedBytes: 0 };
  await forEachBounded(files, concurrency, async (file) => {
    const { digest, size } = await digestOf(file, cache, stats);
    entries.push({ path: file.path, digest, size, mode: file.mode });
    // Identical files share one blob: upload it once.
    if (!blobs.has(digest)) blobs.set(digest, { digest, size, source: file });
  });
  entries.sort((a, b) => comparePaths(a.path, b.path));
  await cache.save();
  return { manifest: { version: 1, entries }, blobs: [...blobs.values()], stats };
}
