// `tessera transfer pull`: the init container of a run. Fetches every input the operator resolved
// into its own directory under the root, verifying each file, and prepares the output directories.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PullResult } from '../storage/file-sets.ts';
import { blobKey, manifestKey } from '../storage/manifest.ts';
import type { BlobStore } from '../storage/object-store.ts';
import type { DownloadResponse } from './protocol.ts';
import type { TransferClient } from './client.ts';
import { resumableGet, type RetryPolicy } from './http.ts';
import { pullPresigned } from './pull-file-set.ts';
import { hashCacheEnv, openHashCache, rememberFiles, type KnownFile } from './hash-cache.ts';

/** Reads one file set through the presigned URLs the operator handed out, and nothing else. */
export function presignedReader(digest: string, urls: DownloadResponse, retry?: RetryPolicy): Pick<BlobStore, 'get'> {
  const byKey = new Map<string, string>([[manifestKey(digest), urls.manifestUrl]]);
  for (const [blob, url] of Object.entries(urls.blobUrls)) byKey.set(blobKey(blob), url);
  return {
    get(key: string): Promise<Readable> {
      const url = byKey.get(key);
      if (!url) return Promise.reject(new Error(`no presigned URL for ${key}`));
      return Promise.resolve(resumableGet(url, retry));
    },
  };
}

/** What a pull did, per input. */
export interface PullReport {
  inputs: Array<{ name: string; digest: string; files: number; bytes: number }>;
  outputs: string[];
}

/** How a pull behaves. */
export interface PullRunOptions {
  /** Files fetched at once. Default 8. */
  concurrency?: number;
  retry?: RetryPolicy;
  /** A hash cache file to remember the pulled files' digests in (default: $TESSERA_HASH_CACHE; unset: none). */
  hashCache?: string;
}

/** Pulls every input of the run into `root` and creates its output directories. */
export async function pullRun(client: TransferClient, root: string, opts: PullRunOptions = {}): Promise<PullReport> {
  const plan = await client.run();
  const cache = await openHashCache(opts.hashCache ?? process.env[hashCacheEnv]);
  const pulled: KnownFile[] = [];
  // The main container mounts these as subPaths, which must exist even when empty.
  for (const dir of ['inputs', 'outputs', 'code']) await mkdir(join(root, dir), { recursive: true });
  const inputs: PullReport['inputs'] = [];
  for (const input of plan.inputs) {
    const urls = await client.download(input.digest);
    const result: PullResult = await pullPresigned({
      urls,
      digest: input.digest,
      dir: join(root, ...input.target.split('/')),
      concurrency: opts.concurrency,
      retry: opts.retry,
      onFilePulled: cache.path === undefined ? undefined : (file) => pulled.push(file),
    });
    inputs.push({ name: input.name, digest: input.digest, files: result.files, bytes: result.bytes });
  }
  for (const output of plan.outputs) await mkdir(join(root, 'outputs', output), { recursive: true });
  await rememberFiles(cache, pulled);
  return { inputs, outputs: plan.outputs };
}
