// What indexing an object-store prefix in place needs beyond the content store: listing and reading
// another bucket, and copying an object into the content store server-side with its SHA-256
// verified by the store itself, so no byte passes through a pod twice and no claim is trusted.
import { randomBytes } from 'node:crypto';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ChecksumMismatchError } from './hashing.ts';
import type { StoredObject } from './object-store.ts';

/** An object in any bucket. */
export interface BucketKey {
  bucket: string;
  key: string;
}

/** Every object of `bucket` under `prefix`, in key order. */
export async function* listBucket(client: S3Client, bucket: string, prefix: string): AsyncIterable<StoredObject> {
  for await (const page of paginateListObjectsV2({ client, pageSize: 1_000 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
    }
  }
}

/** A URL anyone can GET the object with until it expires. */
export function presignGetIn(client: S3Client, source: BucketKey, expiresSeconds: number): Promise<string> {
  return getSignedUrl(client, new GetObjectCommand({ Bucket: source.bucket, Key: source.key }), { expiresIn: expiresSeconds });
}

function copySource({ bucket, key }: BucketKey): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function storedSha256(client: S3Client, target: BucketKey): Promise<string | undefined> {
  const head = await client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key, ChecksumMode: 'ENABLED' }));
  return head.ChecksumSHA256 ? Buffer.from(head.ChecksumSHA256, 'base64').toString('hex') : undefined;
}

/**
 * Copies `source` to `target` inside the store, only if its bytes hash to `sha256Hex`: first to a
 * staging key with the store computing SHA-256, then (once it matches) to the target. The target
 * never holds other bytes than its name promises, even for a moment; the staging copy is removed.
 */
export async function copyVerified(client: S3Client, source: BucketKey, target: BucketKey, sha256Hex: string): Promise<void> {
  const staging: BucketKey = { bucket: target.bucket, key: `staging/${randomBytes(12).toString('hex')}` };
  try {
    await client.send(new CopyObjectCommand({ Bucket: staging.bucket, Key: staging.key, CopySource: copySource(source), ChecksumAlgorithm: 'SHA256' }));
    const actual = await storedSha256(client, staging);
    if (actual !== sha256Hex) throw new ChecksumMismatchError(source.key, `sha256:${sha256Hex}`, `sha256:${actual ?? 'unknown'}`);
    await client.send(new CopyObjectCommand({ Bucket: target.bucket, Key: target.key, CopySource: copySource(staging), ChecksumAlgorithm: 'SHA256' }));
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: staging.bucket, Key: staging.key })).catch(() => undefined);
  }
}
