// What indexing an object-store prefix in place needs beyond the content store: listing and reading
// another bucket, and copying an object into the content store server-side with its SHA-256
// verified by the store itself, so no byte passes through a pod twice and no claim is trusted.
import { createHash, randomBytes } from 'node:crypto';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ChecksumMismatchError } from './hashing.ts';
import type { StoredObject } from './object-store.ts';
import { ChecksumMode } from './s3-client-config.ts';

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

// With checksums off the store computes no SHA-256, so the operator reads the staged copy and
// hashes it itself: the bytes pass through the operator once (docs/object-stores.md).
async function hashedSha256(client: S3Client, target: BucketKey): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: target.key }));
  const hash = createHash('sha256');
  for await (const chunk of response.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

/** The S3 client a verified copy uses, and whether the store computes checksums for it. */
export interface CopyClient {
  client: S3Client;
  checksumMode: ChecksumMode;
}

/**
 * Copies `source` to `target` inside the store, only if its bytes hash to `sha256Hex`: first to a
 * staging key with the store computing SHA-256 (or the operator, with checksums off or a store that
 * computed none), then (once it
 * matches) to the target. The target never holds other bytes than its name promises, even for a
 * moment; the staging copy is removed.
 */
export async function copyVerified(copier: CopyClient, source: BucketKey, target: BucketKey, sha256Hex: string): Promise<void> {
  const { client, checksumMode } = copier;
  const storeHashes = checksumMode !== ChecksumMode.Off;
  const algorithm = storeHashes ? { ChecksumAlgorithm: 'SHA256' as const } : {};
  const staging: BucketKey = { bucket: target.bucket, key: `staging/${randomBytes(12).toString('hex')}` };
  try {
    await client.send(new CopyObjectCommand({ Bucket: staging.bucket, Key: staging.key, CopySource: copySource(source), ...algorithm }));
    // A store may copy without computing the SHA-256 asked for (SeaweedFS, when the source was put
    // without one): then the operator hashes the staged copy itself, as with checksums off.
    const actual = (storeHashes ? await storedSha256(client, staging) : undefined) ?? (await hashedSha256(client, staging));
    if (actual !== sha256Hex) throw new ChecksumMismatchError(source.key, `sha256:${sha256Hex}`, `sha256:${actual}`);
    await client.send(new CopyObjectCommand({ Bucket: target.bucket, Key: target.key, CopySource: copySource(staging), ...algorithm }));
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: staging.bucket, Key: staging.key })).catch(() => undefined);
  }
}
