// `tessera transfer push`: the native sidecar of a run. Once the main container has exited, it
// hashes each output directory, uploads only the blobs the store lacks through presigned PUTs, and
// commits the manifests; after a failed run it commits nothing but still lets the operator save the
// log. Bytes go pod → object store; the operator only signs and checks.
import { constants, createReadStream, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBounded } from '../storage/bounded.ts';
import { hashTree, type HashedTree, type LocalBlob } from '../storage/file-sets.ts';
import { manifestDigest, type Manifest } from '../storage/manifest.ts';
import { defaultPartSize } from '../storage/object-store.ts';
import type { CommitResponse, UploadResponse } from '../storage/transfer-protocol.ts';
import { checkRealDirectory, openWalkedFile } from '../storage/walk.ts';
import type { TransferClient } from './client.ts';
import { sendAndDrain, type RetryPolicy } from './http.ts';

/** How a push behaves. */
export interface PushRunOptions {
  /** Files hashed and blobs uploaded at once. Default 8. */
  concurrency?: number;
  /** How long to wait for the operator to see the main container's exit. Default 2 min. */
  waitForExitMs?: number;
  retry?: RetryPolicy;
  onProgress?: (event: PushEvent) => void;
}

/** Progress, for logs and bars. */
export interface PushEvent {
  output: string;
  phase: 'hashed' | 'uploaded';
  blobs: number;
  bytes: number;
}

/** What a push did. */
export interface PushReport {
  mainExitCode: number;
  committed: CommitResponse;
  uploadedBlobs: number;
  uploadedBytes: number;
}

// Small blobs are read whole and sent from memory (replayable on retry); large ones stream from
// disk with few at once, so memory stays about concurrency × 8 MiB.
const largeBlobBytes = defaultPartSize;
const largeBlobConcurrency = 2;

async function waitForMainExit(client: TransferClient, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const plan = await client.run();
    if (plan.mainExitCode !== undefined) return plan.mainExitCode;
    if (Date.now() > deadline) throw new Error(`the operator did not see the main container exit within ${waitMs} ms`);
    await sleep(1_000);
  }
}

async function putBlob(blob: LocalBlob, put: UploadResponse['uploads'][number], retry: RetryPolicy | undefined): Promise<void> {
  const whole = blob.size <= largeBlobBytes;
  const bytes = whole ? await readWhole(blob) : undefined;
  await sendAndDrain(
    {
      method: 'PUT',
      url: put.url,
      headers: put.headers,
      // Reopened per attempt: a retry replays the file from its start, and the walk's identity
      // check still refuses a file swapped for a link meanwhile.
      body: bytes ? () => bytes : () => streamOf(blob),
    },
    retry,
  );
}

async function readWhole(blob: LocalBlob): Promise<Buffer> {
  const handle = await openWalkedFile(blob.source);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

// A symlink planted in the file's place is refused (O_NOFOLLOW); any other change since hashing is
// refused by the store, because the PUT is bound to the SHA-256 we computed. Reads of 1 MiB, not
// the default 64 KiB: a 1 GiB blob is 1,024 thread-pool reads instead of 16,384, which cut the
// mover's CPU per GiB sent from about 1.6–2.6 s to 1.1 s (the PUT itself waits on the store).
const streamChunkBytes = 1024 * 1024;

function streamOf(blob: LocalBlob): Readable {
  const fd = openSync(blob.source.absolutePath, constants.O_RDONLY | constants.O_NOFOLLOW);
  return createReadStream('', { fd, highWaterMark: streamChunkBytes });
}

async function uploadOutput(
  client: TransferClient,
  name: string,
  tree: HashedTree,
  opts: PushRunOptions,
): Promise<{ blobs: number; bytes: number; session?: string }> {
  const digest = manifestDigest(tree.manifest);
  const offer = tree.blobs.map((b) => ({ digest: b.digest, size: b.size }));
  const answer = await client.upload(name, digest, offer);
  const byDigest = new Map(tree.blobs.map((b) => [b.digest, b]));
  const puts = answer.uploads.map((put) => ({ put, blob: byDigest.get(put.digest) }));
  const concurrency = opts.concurrency ?? 8;
  const small = puts.filter((p) => (p.blob?.size ?? 0) <= largeBlobBytes);
  const large = puts.filter((p) => (p.blob?.size ?? 0) > largeBlobBytes);
  const upload = async ({ put, blob }: (typeof puts)[number]): Promise<void> => {
    if (!blob) throw new Error(`the operator asked for a blob we did not offer: ${put.digest}`);
    await putBlob(blob, put, opts.retry);
  };
  await Promise.all([forEachBounded(small, concurrency, upload), forEachBounded(large, largeBlobConcurrency, upload)]);
  const bytes = puts.reduce((sum, p) => sum + (p.blob?.size ?? 0), 0);
  opts.onProgress?.({ output: name, phase: 'uploaded', blobs: puts.length, bytes });
  return { blobs: puts.length, bytes, session: answer.session };
}

/**
 * The directory of output `name`, refused unless it and `outputs` above it are real directories:
 * the main container could leave `outputs/<name>` as a link to anything the sidecar can read (its
 * own token, for one), and a walk that followed it would upload that. Created when absent.
 */
async function outputDirectory(root: string, name: string): Promise<string> {
  const outputs = join(root, 'outputs');
  await mkdir(outputs, { recursive: true });
  await checkRealDirectory(outputs);
  const dir = join(outputs, name);
  // An output the code never wrote is an empty file set, not an error: the commit says so.
  await mkdir(dir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  await checkRealDirectory(dir);
  return dir;
}

/** Pushes and commits every output of the run under `root`, once its main container has exited. */
export async function pushRun(client: TransferClient, root: string, opts: PushRunOptions = {}): Promise<PushReport> {
  const mainExitCode = await waitForMainExit(client, opts.waitForExitMs ?? 120_000);
  if (mainExitCode !== 0) {
    return { mainExitCode, committed: await client.commit([]), uploadedBlobs: 0, uploadedBytes: 0 };
  }
  const plan = await client.run();
  const manifests: Array<{ name: string; manifest: Manifest; session?: string }> = [];
  let uploadedBlobs = 0;
  let uploadedBytes = 0;
  // Every output is checked and hashed before any byte moves: a refused one uploads nothing at all.
  const trees = new Map<string, HashedTree>();
  for (const name of plan.outputs) {
    const tree = await hashTree(await outputDirectory(root, name), opts.concurrency);
    opts.onProgress?.({ output: name, phase: 'hashed', blobs: tree.blobs.length, bytes: tree.blobs.reduce((s, b) => s + b.size, 0) });
    trees.set(name, tree);
  }
  for (const [name, tree] of trees) {
    const moved = await uploadOutput(client, name, tree, opts);
    uploadedBlobs += moved.blobs;
    uploadedBytes += moved.bytes;
    manifests.push({ name, manifest: tree.manifest, session: moved.session });
  }
  return { mainExitCode, committed: await client.commit(manifests), uploadedBlobs, uploadedBytes };
}
