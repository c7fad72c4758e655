// `tessera transfer index`: the main container of a Dataset's index Job. Hashes every object of
// the Dataset's landing zone through presigned GETs (bytes are read once and dropped) and reports
// the digests; the operator copies what the store lacks server-side, verifying each digest itself.
import { createHash } from 'node:crypto';
import { forEachBounded } from '../storage/bounded.ts';
import type { CommitResponse } from './protocol.ts';
import type { TransferClient } from './client.ts';
import { resumableGet, type RetryPolicy } from './http.ts';

async function sha256Of(url: string, retry: RetryPolicy | undefined): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of resumableGet(url, retry) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Indexes the run's landing zone; the commit names every object with the digest it hashed to. */
export async function indexRun(client: TransferClient, opts: { concurrency?: number; retry?: RetryPolicy } = {}): Promise<CommitResponse> {
  const { objects } = await client.indexList();
  const entries: Array<{ path: string; digest: string; size: number }> = [];
  await forEachBounded(objects, opts.concurrency ?? 8, async (object) => {
    const { digest, size } = await sha256Of(object.url, opts.retry);
    if (size !== object.size) throw new Error(`${object.path} changed while it was indexed (${object.size} bytes listed, ${size} read)`);
    entries.push({ path: object.path, digest, size });
  });
  return client.indexCommit(entries);
}
