// The narrow driver the file-set code talks to (after Argo's artifact drivers), and its S3
// implementation. Retries live in exactly one place, the S3 client's maxAttempts: nothing here
// loops on failure, so a caller never multiplies attempts by wrapping a retrying call in another.
import { createHash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { verifyingStream } from './hashing.ts';
import { fastPresigner, type Presigner } from './presign.ts';
import { copyVerified, listBucket, presignGetIn, type BucketKey } from './object-store-import.ts';
import { ChecksumMode, createBucketInput, s3ClientConfig, type S3BlobStoreOptions } from './s3-client-config.ts';
import { withoutChecksumHeaders } from './checksum-off.ts';
import { isStagedUploadKey } from './staging.ts';

export type { S3BlobStoreOptions } from './s3-client-config.ts';

/** One object as a listing reports it: enough for garbage collection to weigh age and bytes. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** One object as a HEAD reports it. */
export interface ObjectHead {
  size: number;
  lastModified: Date;
  /** The upload tag a session's presigned PUT left on it (session-put.ts), if the last write was one. */
  uploadTag?: string;
}

/** Object metadata a tagged presigned PUT must carry; S3 returns it on HEAD as `tessera-upload`. */
export const uploadTagHeader = 'x-amz-meta-tessera-upload';

/** A presigned upload: the request is only valid with exactly these headers, which bind the body. */
export interface PresignedPut {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
}

/** One PUT to presign: where, what body it accepts, for how long, and the upload tag it leaves. */
export interface PutToPresign {
  key: string;
  sha256Hex: string;
  size: number;
  expiresSeconds: number;
  uploadTag?: string;
}

/** The storage operations file sets need; every method fails rather than retrying on its own. */
export interface BlobStore {
  /** Whether an object exists at `key`. */
  has(key: string): Promise<boolean>;
  /** The stored size, modification time and upload tag of `key` (the store's word, not a client's), or undefined. */
  stat(key: string): Promise<ObjectHead | undefined>;
  /** Writes `size` bytes whose SHA-256 is `sha256Hex`; the write is rejected if the bytes differ. */
  put(key: string, body: Readable | Buffer, size: number, sha256Hex: string): Promise<void>;
  /** Streams an object; throws ObjectNotFoundError if there is none. */
  get(key: string): Promise<Readable>;
  /** Deletes objects; keys that do not exist are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** A URL anyone can GET `key` with until it expires. */
  presignGet(key: string, expiresSeconds: number): Promise<string>;
  /**
   * A URL (plus required headers) that only accepts a body of `size` bytes with SHA-256 `sha256Hex`;
   * with checksumMode `off`, only of `size` bytes, and only for a staging key (staging.ts). With
   * `uploadTag`, the object written also carries it (see stat), and only with it.
   */
  presignPut(request: PutToPresign): Promise<PresignedPut>;
}

/** The S3 store also manages its bucket and its connections. */
export interface S3BlobStore extends BlobStore {
  /** Creates the bucket unless it exists; safe to call concurrently and repeatedly. */
  ensureBucket(): Promise<void>;
  /** Objects under `prefix` in another bucket of the same store (a landing zone to index). */
  listIn(bucket: string, prefix: string): AsyncIterable<StoredObject>;
  /** A presigned GET of an object in another bucket. */
  presignGetIn(source: BucketKey, expiresSeconds: number): Promise<string>;
  /** Copies an object of any bucket to `key` here, server-side, only if it hashes to `sha256Hex`. */
  copyVerifiedFrom(source: BucketKey, key: string, sha256Hex: string): Promise<void>;
  /** Closes pooled connections; the store is unusable afterwards. */
  close(): void;
}

/** A get of a key that does not exist. */
export class ObjectNotFoundError extends Error {
  readonly key: string;
  constructor(key: string, options?: ErrorOptions) {
    super(`no object at ${key}`, options);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

// DeleteObjects takes at most 1,000 keys per request.
const deleteBatch = 1_000;
// Parts uploaded at once per multipart upload: memory per large put is about queueSize × partSize.
const multipartQueueSize = 4;
const minPartSize = 5 * 1024 * 1024;
/** The default multipart threshold and part size; also what file-sets treats as a large blob. */
export const defaultPartSize = 8 * 1024 * 1024;

/** A BlobStore on an S3-compatible service (MinIO locally) through @aws-sdk/client-s3. */
export function s3BlobStore(options: S3BlobStoreOptions): S3BlobStore {
  const client = s3Client(options);
  const bucket = options.bucket;
  const partSize = Math.max(options.partSizeBytes ?? defaultPartSize, minPartSize);
  const presigner = fastPresigner(client, bucket, options.region);
  const checksumMode = options.checksumMode ?? ChecksumMode.Required;
  return {
    has: (key) => hasObject(client, bucket, key),
    stat: (key) => statObject(client, bucket, key),
    put: (key, body, size, sha256Hex) => putObject({ client, bucket, partSize, checksumMode }, { key, body, size, sha256Hex }),
    get: (key) => getObject(client, bucket, key),
    delete: (keys) => deleteObjects(client, bucket, keys),
    list: (prefix) => listObjects(client, bucket, prefix),
    presignGet: (key, expiresSeconds) => presigner.presign({ method: 'GET', key, expiresSeconds }),
    presignPut: (request) => presignPutObject(presigner, { ...request, checksumMode }),
    ensureBucket: () => ensureBucket(client, bucket, options.region),
    listIn: (other, prefix) => listBucket(client, other, prefix),
    presignGetIn: (source, expiresSeconds) => presignGetIn(client, source, expiresSeconds),
    copyVerifiedFrom: (source, key, sha256Hex) => copyVerified({ client, checksumMode }, source, { bucket, key }, sha256Hex),
    close: () => client.destroy(),
  };
}

function s3Client(options: S3BlobStoreOptions): S3Client {
  const client = new S3Client(s3ClientConfig(options));
  if (options.checksumMode === ChecksumMode.Off) withoutChecksumHeaders(client);
  return client;
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404;
}

async function hasObject(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw new Error(`checking for ${key} in bucket ${bucket}`, { cause: error });
  }
}

async function statObject(client: S3Client, bucket: string, key: string): Promise<ObjectHead | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const uploadTag = head.Metadata?.[uploadTagHeader.slice('x-amz-meta-'.length)];
    return { size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0), ...(uploadTag ? { uploadTag } : {}) };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new Error(`reading the size of ${key} in bucket ${bucket}`, { cause: error });
  }
}

async function getObject(client: S3Client, bucket: string, key: string): Promise<Readable> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!(response.Body instanceof Readable)) throw new Error(`GET ${key} returned no readable body`);
    return response.Body;
  } catch (error) {
    if (isNotFound(error)) throw new ObjectNotFoundError(key, { cause: error });
    throw new Error(`reading ${key} from bucket ${bucket}`, { cause: error });
  }
}

interface PutTarget {
  client: S3Client;
  bucket: string;
  partSize: number;
  checksumMode: ChecksumMode;
}

interface PutRequest {
  key: string;
  body: Readable | Buffer;
  size: number;
  sha256Hex: string;
}

async function putObject(target: PutTarget, request: PutRequest): Promise<void> {
  try {
    if (request.size > target.partSize && request.body instanceof Readable) {
      await putMultipart(target, { ...request, body: request.body });
      return;
    }
    const body = Buffer.isBuffer(request.body) ? request.body : await readAtMost(request.body, request.size);
    await putSingle(target, { ...request, body });
  } catch (error) {
    throw new Error(`writing ${request.key} to bucket ${target.bucket}`, { cause: error });
  }
}

// A single PUT sends a Buffer, never a stream: the client can only retry a body it can replay.
async function putSingle(target: PutTarget, request: PutRequest & { body: Buffer }): Promise<void> {
  if (request.body.length !== request.size) {
    throw new Error(`body is ${request.body.length} bytes, declared ${request.size}`);
  }
  await target.client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: request.key,
      Body: request.body,
      ContentLength: request.size,
      ...bodyIntegrity(target.checksumMode, request),
    }),
  );
}

// The store recomputes SHA-256 and rejects the write (XAmzContentChecksumMismatch) on a difference;
// with checksums off it recomputes MD5 instead (BadDigest), of bytes this process hashed itself.
function bodyIntegrity(mode: ChecksumMode, request: PutRequest & { body: Buffer }): { ChecksumSHA256: string } | { ContentMD5: string } {
  if (mode === ChecksumMode.Off) return { ContentMD5: createHash('md5').update(request.body).digest('base64') };
  return { ChecksumSHA256: Buffer.from(request.sha256Hex, 'hex').toString('base64') };
}

// S3 has no whole-object SHA-256 for multipart uploads (only per-part or composite), so each part
// carries its own SHA-256 for transit, and the body is piped through a verifier that errors before
// end-of-stream on a mismatch: the upload then aborts before CompleteMultipartUpload, and with
// leavePartsOnError false its parts are discarded instead of lingering in the bucket.
async function putMultipart(target: PutTarget, request: PutRequest & { body: Readable }): Promise<void> {
  const verifier = verifyingStream({ digest: `sha256:${request.sha256Hex}`, size: request.size });
  // pipeline forwards a source error into the verifier, which the uploader is reading; the error
  // surfaces through upload.done(), so the callback has nothing to add.
  const body = pipeline(request.body, verifier, () => undefined);
  const upload = new Upload({
    client: target.client,
    params: {
      Bucket: target.bucket,
      Key: request.key,
      Body: body,
      ContentLength: request.size,
      ...(target.checksumMode === ChecksumMode.Off ? {} : { ChecksumAlgorithm: 'SHA256' as const }),
    },
    partSize: target.partSize,
    queueSize: multipartQueueSize,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } finally {
    // If the upload failed first, stop reading the source (pipeline closes it).
    body.destroy();
  }
}

async function readAtMost(body: Readable, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > size) throw new Error(`body longer than the declared ${size} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

async function deleteObjects(client: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += deleteBatch) {
    const batch = keys.slice(start, start + deleteBatch);
    const response = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = response.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(`deleting ${failed.length} of ${batch.length} objects failed; first ${first?.Key}: ${first?.Code} ${first?.Message}`);
    }
  }
}

async function* listObjects(client: S3Client, bucket: string, prefix: string): AsyncIterable<StoredObject> {
  for await (const page of paginateListObjectsV2({ client, pageSize: 1_000 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
    }
  }
}

interface PresignPutRequest extends PutToPresign {
  checksumMode: ChecksumMode;
}

// The checksum must travel as a signed header. Left to the presigner's default it is hoisted into
// the query string, where MinIO ignores it and accepts any body; as a signed header the store
// verifies the body against it, and a client that drops or changes it breaks the signature.
// (x-amz-content-sha256 cannot be bound instead: the SDK presigner always signs UNSIGNED-PAYLOAD.)
// The upload tag travels the same way, for the same reason: a client cannot drop or change it.
async function presignPutObject(presigner: Presigner, request: PresignPutRequest): Promise<PresignedPut> {
  if (request.checksumMode === ChecksumMode.Off) return presignStagedPut(presigner, request);
  const checksum = Buffer.from(request.sha256Hex, 'hex').toString('base64');
  const headers: Record<string, string> = { 'content-length': String(request.size), 'x-amz-checksum-sha256': checksum };
  if (request.uploadTag) headers[uploadTagHeader] = request.uploadTag;
  const url = await presigner.presign({
    method: 'PUT',
    key: request.key,
    expiresSeconds: request.expiresSeconds,
    headers,
    unhoistableHeaders: new Set(['x-amz-checksum-sha256', uploadTagHeader]),
  });
  return { url, method: 'PUT', headers };
}

// Without a checksum header a presigned PUT binds only its length, no body: any bytes would land
// under its key. So it may only name an upload session's staging key, which no other namespace
// reads and which the operator hashes at commit before copying it under a digest's name
// (staging.ts, staged-commit.ts); a content-addressed key is refused.
async function presignStagedPut(presigner: Presigner, request: PresignPutRequest): Promise<PresignedPut> {
  if (!isStagedUploadKey(request.key)) {
    throw new Error(`cannot presign an upload of ${request.key} with checksumMode off: a presigned PUT would not bind its body; only an upload session's staging key may take one`);
  }
  const headers = { 'content-length': String(request.size) };
  const url = await presigner.presign({ method: 'PUT', key: request.key, expiresSeconds: request.expiresSeconds, headers });
  return { url, method: 'PUT', headers };
}

async function ensureBucket(client: S3Client, bucket: string, region: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`checking bucket ${bucket}`, { cause: error });
  }
  try {
    await client.send(new CreateBucketCommand(createBucketInput(bucket, region)));
  } catch (error) {
    // Another process created it between our HEAD and our CREATE.
    if (error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou') return;
    throw new Error(`creating bucket ${bucket}`, { cause: error });
  }
}
