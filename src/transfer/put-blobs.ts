// Sending blobs to the object store through presigned PUTs: what both a run's push sidecar and a
// workstation's push do once the operator said which blobs to send. Blobs up to 1 MiB are read
// whole and sent from memory; larger ones are read from disk into a few reused buffers as they go
// out, so every blob, of any size, costs well under 1 MiB while it is sent, and all of them share
// one pool of `concurrency` connections (a tree of 10 MiB files goes out 8 at a time, as curl's
// floor does). A retry reads the file again from its start.
import { forEachBounded } from '../storage/bounded.ts';
import type { LocalBlob } from '../storage/file-sets.ts';
import type { UploadResponse } from './protocol.ts';
import { openWalkedFile } from '../storage/walk.ts';
import { sendAndDrain, type FileBody, type RetryPolicy } from './http.ts';

/** A presigned PUT, as the operator hands it out. */
export type PresignedBlobPut = UploadResponse['uploads'][number];

const wholeReadBytes = 1024 * 1024;

async function readWhole(blob: LocalBlob): Promise<Buffer> {
  const handle = await openWalkedFile(blob.source);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

// A symlink or another file planted in the file's place is refused (openWalkedFile); any change of
// its bytes since hashing is refused by the store, because the PUT is bound to the SHA-256 we computed.
function fileBodyOf(blob: LocalBlob): FileBody {
  return { open: () => openWalkedFile(blob.source), size: blob.size };
}

async function putBlob(blob: LocalBlob, put: PresignedBlobPut, retry: RetryPolicy | undefined): Promise<void> {
  const bytes = blob.size <= wholeReadBytes ? await readWhole(blob) : undefined;
  // Reopened per attempt: a retry replays the file from its start.
  await sendAndDrain({ method: 'PUT', url: put.url, headers: put.headers, body: bytes ? () => bytes : () => fileBodyOf(blob) }, retry);
}

/** Sends every PUT's blob; throws if the operator asked for a blob that was not offered. */
export async function putBlobs(
  puts: readonly PresignedBlobPut[],
  blobs: readonly LocalBlob[],
  opts: { concurrency?: number; retry?: RetryPolicy; onBlobSent?: (blob: LocalBlob) => void } = {},
): Promise<{ blobs: number; bytes: number }> {
  const byDigest = new Map(blobs.map((b) => [b.digest, b]));
  const work = puts.map((put) => {
    const blob = byDigest.get(put.digest);
    if (!blob) throw new Error(`the operator asked for a blob that was not offered: ${put.digest}`);
    return { put, blob };
  });
  const send = async ({ put, blob }: (typeof work)[number]): Promise<void> => {
    await putBlob(blob, put, opts.retry);
    opts.onBlobSent?.(blob);
  };
  await forEachBounded(work, opts.concurrency ?? 8, send);
  return { blobs: work.length, bytes: work.reduce((sum, w) => sum + w.blob.size, 0) };
}
