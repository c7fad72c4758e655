// Pulling one file set through the presigned URLs the operator handed out, at the store's speed:
// each file is fetched straight into a temporary file beside its target (large ones over several
// ranged GETs at once), hashed on the way, verified, then renamed into place with its mode.
// The same guarantees as storage/file-sets.ts's pullFileSet: every path validated before anything
// is written, nothing written outside the root, a file in place only once its digest matched.
import { randomBytes } from 'node:crypto';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { forEachBounded } from '../storage/bounded.ts';
import type { PullResult } from '../storage/file-sets.ts';
import { ChecksumMismatchError } from '../storage/hashing.ts';
import { readManifest } from '../storage/manifest-io.ts';
import { blobKey, manifestKey, type ManifestEntry } from '../storage/manifest.ts';
import { checkInsideRoot, createDirectories, parentDirectories, prepareRoot } from '../storage/target-dir.ts';
import { downloadBlob } from './blob-download.ts';
import { identityOf, type FileIdentity, type KnownFile } from './hash-cache.ts';
import { resumableGet, type RetryPolicy } from './http.ts';
import type { DownloadResponse } from './protocol.ts';

const MiB = 1024 * 1024;
// Files above this come in ranges over several connections; smaller ones in one GET each, several
// files at a time, which already keeps as many connections busy.
const rangedFileBytes = 32 * MiB;
const rangeConnections = 4;

/** What to pull and where. */
export interface PresignedPullOptions {
  urls: DownloadResponse;
  digest: string;
  dir: string;
  /** Files fetched at once. Default 8. */
  concurrency?: number;
  retry?: RetryPolicy;
  /** Told of each file in place: its path, digest and identity as written, for the hash cache. */
  onFilePulled?: (file: KnownFile) => void;
}

/** Writes the file set `digest` under `dir` from its presigned URLs (ChecksumMismatchError names a bad file). */
export async function pullPresigned(options: PresignedPullOptions): Promise<PullResult> {
  const { urls, digest } = options;
  const manifestStore = {
    get: (key: string) => (key === manifestKey(digest) ? Promise.resolve(resumableGet(urls.manifestUrl, options.retry)) : Promise.reject(new Error(`no presigned URL for ${key}`))),
  };
  const manifest = await readManifest(manifestStore, digest);
  const root = await prepareRoot(options.dir);
  await createDirectories(root, parentDirectories(manifest.entries.map((e) => e.path)));
  // Large files first: they take longest, and small ones fill in around them.
  const order = [...manifest.entries].sort((a, b) => b.size - a.size);
  await forEachBounded(order, options.concurrency ?? 8, async (entry) => {
    const url = urls.blobUrls[entry.digest];
    if (!url) throw new Error(`no presigned URL for ${blobKey(entry.digest)}`);
    const pulled = await pullFile(url, root, entry, options.retry);
    if (pulled) options.onFilePulled?.(pulled);
  });
  const bytes = manifest.entries.reduce((sum, e) => sum + e.size, 0);
  return { manifest, files: manifest.entries.length, bytes };
}

/** Fetches and verifies one blob into the new file `temporary`, with its mode; its identity as written. */
async function fetchVerified(url: string, entry: ManifestEntry, temporary: string, retry: RetryPolicy | undefined): Promise<FileIdentity> {
  const handle = await open(temporary, 'wx', 0o600);
  try {
    const connections = entry.size > rangedFileBytes ? rangeConnections : 1;
    const digest = await downloadBlob(url, entry.size, handle.fd, { retry, connections });
    if (digest !== entry.digest) throw new ChecksumMismatchError(entry.path, entry.digest, digest);
    await handle.chmod(entry.mode);
    return identityOf(await handle.stat({ bigint: true }));
  } finally {
    await handle.close();
  }
}

/** Fetches one file into place; its identity too, unless something else touched it meanwhile. */
async function pullFile(url: string, root: string, entry: ManifestEntry, retry: RetryPolicy | undefined): Promise<KnownFile | undefined> {
  const target = join(root, ...entry.path.split('/'));
  const parent = dirname(target);
  await checkInsideRoot(root, parent);
  // Same directory as the target so the rename is atomic; a fixed short name so a 255-byte
  // target name cannot make it too long; 'wx' so an existing file or link is never followed.
  const temporary = join(parent, `.tessera-${randomBytes(8).toString('hex')}.partial`);
  try {
    const written = await fetchVerified(url, entry, temporary, retry);
    await rename(temporary, target);
    // The rename moves ctime: the identity to remember is the one in place, if it is still our bytes.
    const placed = identityOf(await lstat(target, { bigint: true }));
    const ours = placed.ino === written.ino && placed.dev === written.dev && placed.size === written.size && placed.mtimeNs === written.mtimeNs;
    return ours ? { absolutePath: target, digest: entry.digest, identity: placed } : undefined;
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof ChecksumMismatchError) throw error;
    throw new Error(`pulling ${entry.path} (${entry.digest})`, { cause: error });
  }
}
