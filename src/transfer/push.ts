// `tessera transfer push`: the native sidecar of a run. Once the main container has exited, it
// hashes each output directory, uploads only the blobs the store lacks through presigned PUTs, and
// commits the manifests; after a failed run it commits nothing but still lets the operator save the
// log. Bytes go pod → object store; the operator only signs and checks.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HashedTree } from '../storage/file-sets.ts';
import { manifestDigest, type Manifest } from '../storage/manifest.ts';
import { TransferErrorReason, type CommitResponse } from './protocol.ts';
import { checkRealDirectory } from '../storage/walk.ts';
import { refusalReason, type TransferClient } from './client.ts';
import type { RetryPolicy } from './http.ts';
import { putBlobs } from './put-blobs.ts';
import { renewingWhile } from '../storage/push-lease.ts';
import { hashCacheEnv, openHashCache } from './hash-cache.ts';
import { hashTreeCached } from './hash-tree.ts';

/** How a push behaves. */
export interface PushRunOptions {
  /** Files hashed and blobs uploaded at once. Default 8. */
  concurrency?: number;
  /** How long to wait for the operator to see the main container's exit. Default 2 min. */
  waitForExitMs?: number;
  retry?: RetryPolicy;
  /** A hash cache file: unchanged files are not read again (default: $TESSERA_HASH_CACHE; unset: none). */
  hashCache?: string;
  onProgress?: (event: PushEvent) => void;
  /** Called when a commit is refused because a blob was overwritten by another push, before sending again. */
  onRetry?: (error: unknown) => void;
}

/** Upload-and-commit rounds before a push gives up on blobs other pushes keep overwriting. */
const commitAttempts = 3;

/** Progress, for logs and bars. */
export interface PushEvent {
  output: string;
  phase: 'hashed' | 'uploaded';
  blobs: number;
  bytes: number;
  /** When hashed: files whose digest came from the hash cache, and bytes actually read. */
  cachedFiles?: number;
  hashedBytes?: number;
}

/** What a push did. */
export interface PushReport {
  mainExitCode: number;
  committed: CommitResponse;
  uploadedBlobs: number;
  uploadedBytes: number;
}

async function waitForMainExit(client: TransferClient, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const plan = await client.run();
    if (plan.mainExitCode !== undefined) return plan.mainExitCode;
    if (Date.now() > deadline) throw new Error(`the operator did not see the main container exit within ${waitMs} ms`);
    await sleep(1_000);
  }
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
  // The same sending as a workstation's push: one upload path for every file set, the session's
  // lease renewed while it lasts.
  const send = (): ReturnType<typeof putBlobs> => putBlobs(answer.uploads, tree.blobs, { concurrency: opts.concurrency, retry: opts.retry });
  const session = answer.session;
  const sent = session ? await renewingWhile(() => client.renew(session), send) : await send();
  opts.onProgress?.({ output: name, phase: 'uploaded', ...sent });
  return { ...sent, session: answer.session };
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

/** Every output checked and hashed before any byte moves: a refused one uploads nothing at all. */
async function hashOutputs(root: string, outputs: readonly string[], opts: PushRunOptions): Promise<Map<string, HashedTree>> {
  const trees = new Map<string, HashedTree>();
  const cache = await openHashCache(opts.hashCache ?? process.env[hashCacheEnv]);
  for (const name of outputs) {
    const tree = await hashTreeCached(await outputDirectory(root, name), cache, opts.concurrency);
    const bytes = tree.blobs.reduce((s, b) => s + b.size, 0);
    opts.onProgress?.({ output: name, phase: 'hashed', blobs: tree.blobs.length, bytes, ...tree.stats });
    trees.set(name, { manifest: tree.manifest, blobs: tree.blobs });
  }
  return trees;
}

/**
 * Uploads every output and commits them. Another push may store the same bytes between this one's
 * PUT and its commit, leaving its own upload tag on the blob: the commit is then refused
 * (BlobMissing) and the outputs are sent again under new sessions.
 */
async function uploadAndCommit(client: TransferClient, trees: Map<string, HashedTree>, opts: PushRunOptions): Promise<Omit<PushReport, 'mainExitCode'>> {
  const sent = { uploadedBlobs: 0, uploadedBytes: 0 };
  for (let attempt = 1; ; attempt++) {
    const manifests: Array<{ name: string; manifest: Manifest; session?: string }> = [];
    for (const [name, tree] of trees) {
      const moved = await uploadOutput(client, name, tree, opts);
      sent.uploadedBlobs += moved.blobs;
      sent.uploadedBytes += moved.bytes;
      manifests.push({ name, manifest: tree.manifest, session: moved.session });
    }
    try {
      return { committed: await client.commit(manifests), ...sent };
    } catch (error) {
      if (attempt >= commitAttempts || refusalReason(error) !== TransferErrorReason.BlobMissing) throw error;
      opts.onRetry?.(error);
    }
  }
}

/** Pushes and commits every output of the run under `root`, once its main container has exited. */
export async function pushRun(client: TransferClient, root: string, opts: PushRunOptions = {}): Promise<PushReport> {
  const mainExitCode = await waitForMainExit(client, opts.waitForExitMs ?? 120_000);
  if (mainExitCode !== 0) {
    return { mainExitCode, committed: await client.commit([]), uploadedBlobs: 0, uploadedBytes: 0 };
  }
  const plan = await client.run();
  const trees = await hashOutputs(root, plan.outputs, opts);
  return { mainExitCode, ...(await uploadAndCommit(client, trees, opts)) };
}
