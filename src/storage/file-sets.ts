// Pushing a directory into the content-addressed store and pulling a file set back out.
// Order is the integrity argument: blobs first, the manifest last, so a manifest in the store
// never names a blob that was not there when it was written; reads verify every byte.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { forEachBounded } from './bounded.ts';
import { ChecksumMismatchError, HashingStream, sha256FileHandle, type Digested } from './hashing.ts';
import { blobKey, comparePaths, digestHex, manifestDigest, manifestKey, type Manifest, type ManifestEntry } from './manifest.ts';
import { readManifest, writeManifest } from './manifest-io.ts';
import { defaultPartSize, type BlobStore } from './object-store.ts';
import { checkInsideRoot, createDirectories, parentDirectories, prepareRoot } from './target-dir.ts';
import { listRegularFiles, openWalkedFile, type LocalFile } from './walk.ts';

export { ChecksumMismatchError } from './hashing.ts';

const defaultConcurrency = 8;
// Blobs above this go multipart and buffer up to 4 parts each, so they get few workers of their
// own: memory stays about concurrency × partSize + 2 × 4 × partSize (~128 MiB by default).
const largeBlobBytes = defaultPartSize;
const largeBlobConcurrency = 2;

/** Where a push is; called after each file hashed and each blob uploaded or skipped. */
export interface PushProgress {
  phase: 'hashing' | 'uploading';
  done: number;
  total: number;
}

/** What to push. */
export interface PushOptions {
  store: BlobStore;
  dir: string;
  /** Files hashed and blobs uploaded at once. Default 8. */
  concurrency?: number;
  onProgress?: (progress: PushProgress) => void;
}

/** A pushed file set: its identity and what moved (blob and manifest bytes). An unchanged re-push moves 0. */
export interface PushResult {
  digest: string;
  manifest: Manifest;
  uploadedBytes: number;
  uploadedBlobs: number;
  skippedBlobs: number;
}

/** A blob to upload and one local file that holds its bytes. */
export interface LocalBlob {
  digest: string;
  size: number;
  source: LocalFile;
}

/**
 * Hashes every regular file under `dir`, uploads only the blobs the store lacks, then writes the
 * manifest. Throws UnsupportedFileError on symlinks and devices, UnsafePathError on unportable names.
 */
export async function pushDirectory(options: PushOptions): Promise<PushResult> {
  const concurrency = options.concurrency ?? defaultConcurrency;
  const { manifest, blobs } = await hashTree(options.dir, concurrency, options.onProgress);
  const digest = manifestDigest(manifest);
  // A manifest is only ever written after all its blobs, and garbage collection deletes a manifest
  // before any blob it names: if this exact file set is already stored, so is every byte of it,
  // and one request replaces one per blob.
  if (await options.store.has(manifestKey(digest))) {
    options.onProgress?.({ phase: 'uploading', done: blobs.length, total: blobs.length });
    return { digest, manifest, uploadedBytes: 0, uploadedBlobs: 0, skippedBlobs: blobs.length };
  }
  const counts = await uploadMissing(options.store, blobs, concurrency, options.onProgress);
  let manifestBytes = await writeManifest(options.store, manifest, digest);
  // A garbage collection may have deleted a blob we skipped, or the identical manifest we found in
  // place (both existed, but nothing in use referred to them) before our caller could record this
  // file set as in use: put back whatever vanished, blobs before the manifest.
  const repaired = await uploadVanished(options.store, counts.skipped, concurrency);
  manifestBytes += await writeManifest(options.store, manifest, digest);
  return {
    digest,
    manifest,
    uploadedBytes: counts.uploadedBytes + repaired.uploadedBytes + manifestBytes,
    uploadedBlobs: counts.uploadedBlobs + repaired.uploadedBlobs,
    skippedBlobs: counts.skipped.length - repaired.uploadedBlobs,
  };
}

/** A hashed tree: its manifest and one local source per distinct blob. */
export interface HashedTree {
  manifest: Manifest;
  blobs: LocalBlob[];
}

/** Lists and hashes every regular file under `dir` (see pushDirectory for what is refused). */
export async function hashTree(dir: string, concurrency = defaultConcurrency, onProgress?: PushOptions['onProgress']): Promise<HashedTree> {
  return hashFiles(await listRegularFiles(dir), concurrency, onProgress);
}

async function hashFiles(
  files: readonly LocalFile[],
  concurrency: number,
  onProgress: PushOptions['onProgress'],
): Promise<HashedTree> {
  const entries: ManifestEntry[] = [];
  const blobs = new Map<string, LocalBlob>();
  await forEachBounded(files, concurrency, async (file) => {
    const { digest, size } = await hashWalkedFile(file);
    entries.push({ path: file.path, digest, size, mode: file.mode });
    // Identical files share one blob: upload it once.
    if (!blobs.has(digest)) blobs.set(digest, { digest, size, source: file });
    onProgress?.({ phase: 'hashing', done: entries.length, total: files.length });
  });
  entries.sort((a, b) => comparePaths(a.path, b.path));
  return { manifest: { version: 1, entries }, blobs: [...blobs.values()] };
}

interface UploadCounts {
  uploadedBytes: number;
  uploadedBlobs: number;
  skipped: LocalBlob[];
}

async function uploadMissing(
  store: BlobStore,
  blobs: readonly LocalBlob[],
  concurrency: number,
  onProgress: PushOptions['onProgress'],
): Promise<UploadCounts> {
  const counts: UploadCounts = { uploadedBytes: 0, uploadedBlobs: 0, skipped: [] };
  let done = 0;
  const uploadOne = async (blob: LocalBlob): Promise<void> => {
    if (await store.has(blobKey(blob.digest))) {
      counts.skipped.push(blob);
    } else {
      await uploadBlob(store, blob);
      counts.uploadedBytes += blob.size;
      counts.uploadedBlobs += 1;
    }
    onProgress?.({ phase: 'uploading', done: ++done, total: blobs.length });
  };
  const small = blobs.filter((b) => b.size <= largeBlobBytes);
  const large = blobs.filter((b) => b.size > largeBlobBytes);
  await Promise.all([
    forEachBounded(small, concurrency, uploadOne),
    forEachBounded(large, Math.min(concurrency, largeBlobConcurrency), uploadOne),
  ]);
  return counts;
}

async function hashWalkedFile(file: LocalFile): Promise<Digested> {
  const handle = await openWalkedFile(file);
  try {
    return await sha256FileHandle(handle);
  } finally {
    await handle.close();
  }
}

// The store verifies the SHA-256 we computed, so a file changed since it was hashed is rejected
// rather than stored under the wrong digest.
async function uploadBlob(store: BlobStore, blob: LocalBlob): Promise<void> {
  const handle = await openWalkedFile(blob.source);
  try {
    const body = blob.size <= largeBlobBytes ? await handle.readFile() : handle.createReadStream({ start: 0, autoClose: false });
    await store.put(blobKey(blob.digest), body, blob.size, digestHex(blob.digest));
  } catch (error) {
    throw new Error(`uploading ${blob.source.absolutePath} (${blob.digest})`, { cause: error });
  } finally {
    await handle.close();
  }
}

async function uploadVanished(
  store: BlobStore,
  skipped: readonly LocalBlob[],
  concurrency: number,
): Promise<{ uploadedBytes: number; uploadedBlobs: number }> {
  const result = { uploadedBytes: 0, uploadedBlobs: 0 };
  await forEachBounded(skipped, concurrency, async (blob) => {
    if (await store.has(blobKey(blob.digest))) return;
    await uploadBlob(store, blob);
    result.uploadedBytes += blob.size;
    result.uploadedBlobs += 1;
  });
  return result;
}

/** What to pull and where; only reads are needed, so presigned URLs can stand in for the store. */
export interface PullOptions {
  store: Pick<BlobStore, 'get'>;
  digest: string;
  dir: string;
  /** Files downloaded at once. Default 8. */
  concurrency?: number;
}

/** A pulled file set. */
export interface PullResult {
  manifest: Manifest;
  files: number;
  bytes: number;
}

/**
 * Writes the file set `digest` under `dir`. Every path is validated before anything is written;
 * each file lands under a temporary name, is verified (ChecksumMismatchError names the path) and is
 * renamed into place with its mode. Files already in `dir` and not in the manifest are left alone.
 */
export async function pullFileSet(options: PullOptions): Promise<PullResult> {
  const manifest = await readManifest(options.store, options.digest);
  const root = await prepareRoot(options.dir);
  await createDirectories(root, parentDirectories(manifest.entries.map((e) => e.path)));
  await forEachBounded(manifest.entries, options.concurrency ?? defaultConcurrency, (entry) =>
    pullFile(options.store, root, entry),
  );
  const bytes = manifest.entries.reduce((sum, e) => sum + e.size, 0);
  return { manifest, files: manifest.entries.length, bytes };
}

async function pullFile(store: Pick<BlobStore, 'get'>, root: string, entry: ManifestEntry): Promise<void> {
  const target = join(root, ...entry.path.split('/'));
  const parent = dirname(target);
  await checkInsideRoot(root, parent);
  // Same directory as the target so the rename is atomic; a fixed short name so a 255-byte
  // target name cannot make it too long; 'wx' so an existing file or link is never followed.
  const temporary = join(parent, `.tessera-${randomBytes(8).toString('hex')}.partial`);
  try {
    const hasher = new HashingStream();
    await pipeline(await store.get(blobKey(entry.digest)), hasher, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
    const { digest } = hasher.result();
    if (digest !== entry.digest) throw new ChecksumMismatchError(entry.path, entry.digest, digest);
    await chmod(temporary, entry.mode);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof ChecksumMismatchError) throw error;
    throw new Error(`pulling ${entry.path} (${entry.digest})`, { cause: error });
  }
}
