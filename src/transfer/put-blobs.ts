// Sending blobs to the object store through presigned PUTs: what both a run's push sidecar and a
// workstation's push do once the operator said which blobs to send. Small blobs are read whole and
// sent from memory (replayable on retry); large ones are read from disk as they go out, a few at a
// time, so memory stays about concurrency × 8 MiB.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { forEachBounded } from '../storage/bounded.ts';
import type { LocalBlob } from '../storage/file-sets.ts';
import type { UploadResponse } from './protocol.ts';
import { openWalkedFile } from '../storage/walk.ts';
import { sendAndDrain, type FileBody, type RetryPolicy } from './http.ts';

/** A presigned PUT, as the operator hands it out. */
export type PresignedBlobPut = UploadResponse['uploads'][number];

// Not storage/object-store.ts's part size: importing it would load the S3 SDK into every mover.
const largeBlobBytes = 8 * 1024 * 1024;
const largeBlobConcurrency = 2;

async function readWhole(blob: LocalBlob): Promise<Buffer> {
  const handle = await openWalkedFile(blob.source);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

// A symlink planted in the file's place is refused (O_NOFOLLOW); any other change since hashing is
// refused by the store, because the PUT is bound to the SHA-256 we computed.
function fileBodyOf(blob: LocalBlob): FileBody {
  return { open: () => open(blob.source.absolutePath, constants.O_RDONLY | constants.O_NOFOLLOW) };
}

async function putBlob(blob: LocalBlob, put: PresignedBlobPut, retry: RetryPolicy | undefined): Promise<void> {
  const bytes = blob.size <= largeBlobBytes ? await readWhole(blob) : undefined;
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
  await Promise.all([
    forEachBounded(work.filter((w) => w.blob.size <= largeBlobBytes), opts.concurrency ?? 8, send),
    forEachBounded(work.filter((w) => w.blob.size > largeBlobBytes), largeBlobConcurrency, send),
  ]);
  return { blobs: work.length, bytes: work.reduce((sum, w) => sum + w.blob.size, 0) };
}
