import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumMismatchError } from '../../src/storage/hashing.ts';
import { s3BlobStore, uploadTagHeader, type S3BlobStore } from '../../src/storage/object-store.ts';
import type { ChecksumMode } from '../../src/storage/s3-client-config.ts';
import { clusterEnv } from '../support/cluster-env.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// What Tessera needs of an S3 store, against every store the local cluster runs (SeaweedFS, the
// default, and MinIO): through the project's own storage code and through raw SDK calls, so a store
// a user brings can be checked the same way (TESSERA_MINIO_ENDPOINT / TESSERA_SEAWEEDFS_ENDPOINT).

beforeAll(() => awaitLatePart('minio'), latePartWaitMs);

const env = clusterEnv();
const partSize = 5 * 1024 * 1024;

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function rawClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
  });
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function storeReachable(endpoint: string): Promise<void> {
  const reachable = await fetch(endpoint, { signal: AbortSignal.timeout(3000) }).then(
    () => true,
    () => false,
  );
  if (!reachable) throw new Error(`no S3 store answers at ${endpoint}: start it with scripts/cluster.sh start seaweedfs (or minio); build it with scripts/build-parts.sh`);
}

describe.each([
  { name: 'seaweedfs', endpoint: env.stores.seaweedfs },
  { name: 'minio', endpoint: env.stores.minio },
])('S3 compatibility: $name', ({ name, endpoint }) => {
  const bucket = `compat-${name}-${randomBytes(4).toString('hex')}`;
  const sourceBucket = `${bucket}-src`;
  const opened: Array<{ close(): void }> = [];
  let raw: S3Client;

  function store(checksumMode: ChecksumMode = 'required', on = bucket): S3BlobStore {
    const made = s3BlobStore({ endpoint, region: 'us-east-1', bucket: on, accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey, checksumMode, partSizeBytes: partSize, requestTimeoutMs: 20_000, maxAttempts: 2 });
    opened.push(made);
    return made;
  }

  beforeAll(async () => {
    await storeReachable(endpoint);
    raw = rawClient(endpoint);
    opened.push({ close: () => raw.destroy() });
    await store().ensureBucket();
    await store().ensureBucket(); // idempotent
    await store('required', sourceBucket).ensureBucket();
  });

  afterAll(async () => {
    for (const b of [bucket, sourceBucket]) {
      const s = store('required', b);
      const keys: string[] = [];
      for await (const object of s.list('')) keys.push(object.key);
      await s.delete(keys);
      await raw.send(new DeleteBucketCommand({ Bucket: b }));
    }
    for (const o of opened) o.close();
  });

  it('accepts a presigned PUT whose body matches its bound SHA-256, and refuses one that does not', async () => {
    const body = randomBytes(4096);
    const put = await store().presignPut({ key: 'presigned/good', sha256Hex: sha256Hex(body), size: body.length, expiresSeconds: 300 });
    const ok = await fetch(put.url, { method: 'PUT', headers: put.headers, body });
    expect(ok.status, await ok.text()).toBe(200);
    expect(await readAll(await store().get('presigned/good'))).toEqual(body);

    const other = randomBytes(4096);
    const bad = await store().presignPut({ key: 'presigned/bad', sha256Hex: sha256Hex(body), size: body.length, expiresSeconds: 300 });
    const refused = await fetch(bad.url, { method: 'PUT', headers: bad.headers, body: other });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(await store().has('presigned/bad')).toBe(false);

    // Dropping the signed checksum header is refused (MinIO: 400, SeaweedFS: 403): a client cannot strip the binding.
    const { 'x-amz-checksum-sha256': _dropped, ...unbound } = bad.headers;
    const stripped = await fetch(bad.url, { method: 'PUT', headers: unbound, body: other });
    expect([400, 403]).toContain(stripped.status);
    expect(await store().has('presigned/bad')).toBe(false);
  });

  it("keeps a tagged presigned PUT's upload tag on the object, refuses the PUT without it, and a later write replaces it", async () => {
    const body = randomBytes(2048);
    const put = await store().presignPut({ key: 'presigned/tagged', sha256Hex: sha256Hex(body), size: body.length, expiresSeconds: 300, uploadTag: 'tag-of-session-a' });
    const { [uploadTagHeader]: _dropped, ...untagged } = put.headers;
    const stripped = await fetch(put.url, { method: 'PUT', headers: untagged, body });
    expect([400, 403]).toContain(stripped.status);
    expect(await store().has('presigned/tagged')).toBe(false);
    const forged = await fetch(put.url, { method: 'PUT', headers: { ...put.headers, [uploadTagHeader]: 'tag-of-session-b' }, body });
    expect([400, 403]).toContain(forged.status);

    const ok = await fetch(put.url, { method: 'PUT', headers: put.headers, body });
    expect(ok.status, await ok.text()).toBe(200);
    expect(await store().stat('presigned/tagged')).toMatchObject({ size: body.length, uploadTag: 'tag-of-session-a' });
    const again = await store().presignPut({ key: 'presigned/tagged', sha256Hex: sha256Hex(body), size: body.length, expiresSeconds: 300, uploadTag: 'tag-of-session-b' });
    expect((await fetch(again.url, { method: 'PUT', headers: again.headers, body })).status).toBe(200);
    expect((await store().stat('presigned/tagged'))?.uploadTag).toBe('tag-of-session-b');
    await store().put('presigned/tagged', body, body.length, sha256Hex(body));
    expect((await store().stat('presigned/tagged'))?.uploadTag).toBeUndefined();
  });

  it('refuses a put whose bytes do not hash to the SHA-256 it names, through the SDK', async () => {
    const body = randomBytes(1024);
    await expect(store().put('put/wrong', body, body.length, sha256Hex(randomBytes(1024)))).rejects.toThrow(/writing put\/wrong/);
    expect(await store().has('put/wrong')).toBe(false);
    const response = raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'put/raw-wrong', Body: body, ChecksumSHA256: createHash('sha256').update('other').digest('base64') }));
    await expect(response).rejects.toThrow();
  });

  it('serves ranged GETs, through the SDK and through a presigned URL', async () => {
    const body = randomBytes(10_000);
    await store().put('ranged', body, body.length, sha256Hex(body));
    const part = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: 'ranged', Range: 'bytes=100-1099' }));
    expect(part.ContentLength).toBe(1000);
    expect(part.ContentRange).toBe('bytes 100-1099/10000');
    expect(await readAll(part.Body as Readable)).toEqual(body.subarray(100, 1100));
    const url = await store().presignGet('ranged', 300);
    const tail = await fetch(url, { headers: { range: 'bytes=9990-' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(body.subarray(9990));
  });

  it('copies server-side only what hashes to the digest named, leaving nothing behind otherwise', async () => {
    const body = randomBytes(3000);
    const source = { bucket: sourceBucket, key: 'tenant/landing/file.bin' };
    await store('required', sourceBucket).put(source.key, body, body.length, sha256Hex(body));
    await store().copyVerifiedFrom(source, 'copied/good', sha256Hex(body));
    expect(await readAll(await store().get('copied/good'))).toEqual(body);

    await expect(store().copyVerifiedFrom(source, 'copied/bad', sha256Hex(randomBytes(8)))).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(await store().has('copied/bad')).toBe(false);
    const staging: string[] = [];
    for await (const object of store().list('staging/')) staging.push(object.key);
    expect(staging).toEqual([]);

    // A landing zone's objects are written by anyone, usually without a checksum: SeaweedFS then
    // computes none on the copy either, and the operator hashes the staged copy itself.
    await raw.send(new PutObjectCommand({ Bucket: sourceBucket, Key: 'tenant/landing/plain.bin', Body: body }));
    await store().copyVerifiedFrom({ bucket: sourceBucket, key: 'tenant/landing/plain.bin' }, 'copied/plain', sha256Hex(body));
    expect(await readAll(await store().get('copied/plain'))).toEqual(body);
    await expect(store().copyVerifiedFrom({ bucket: sourceBucket, key: 'tenant/landing/plain.bin' }, 'copied/plain-bad', sha256Hex(randomBytes(8)))).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(await store().has('copied/plain-bad')).toBe(false);

    // The raw call the verification rests on: a copy computing SHA-256, and a HEAD reporting it.
    await raw.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copied/raw', CopySource: `${sourceBucket}/${source.key}`, ChecksumAlgorithm: 'SHA256' }));
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copied/raw', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(createHash('sha256').update(body).digest('base64'));
  });

  it('stores a multipart upload whole, and aborts one whose bytes do not match without leaving parts', async () => {
    const body = randomBytes(2 * partSize + 12_345);
    await store().put('multipart/good', Readable.from([body]), body.length, sha256Hex(body));
    expect((await store().stat('multipart/good'))?.size).toBe(body.length);
    expect(sha256Hex(await readAll(await store().get('multipart/good')))).toBe(sha256Hex(body));

    await expect(store().put('multipart/bad', Readable.from([body]), body.length, sha256Hex(randomBytes(8)))).rejects.toThrow();
    expect(await store().has('multipart/bad')).toBe(false);
    const uploads = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'multipart/' }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('lists in key order across pages, and deletes in batches, missing keys included', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `listing/k${String(i).padStart(2, '0')}`);
    for (const key of [...keys].reverse()) await store().put(key, Buffer.from(key), key.length, sha256Hex(Buffer.from(key)));
    const listed: string[] = [];
    for await (const object of store().list('listing/')) listed.push(object.key);
    expect(listed).toEqual(keys);
    const paged: string[] = [];
    for await (const page of paginateListObjectsV2({ client: raw, pageSize: 3 }, { Bucket: bucket, Prefix: 'listing/' })) {
      paged.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    }
    expect(paged).toEqual(keys);

    await store().delete([...keys.slice(0, 4), 'listing/never-written']);
    const left: string[] = [];
    for await (const object of store().list('listing/')) left.push(object.key);
    expect(left).toEqual(keys.slice(4));
  });

  it("works with checksumMode off: Content-MD5 puts, the operator's own hashing of copies, batch delete", async () => {
    const off = store('off');
    const body = randomBytes(2048);
    await off.put('off/single', body, body.length, sha256Hex(body));
    expect(await readAll(await off.get('off/single'))).toEqual(body);
    const large = randomBytes(partSize + 1);
    await off.put('off/multipart', Readable.from([large]), large.length, sha256Hex(large));
    expect(sha256Hex(await readAll(await off.get('off/multipart')))).toBe(sha256Hex(large));
    await expect(off.put('off/wrong', Readable.from([large]), large.length, sha256Hex(body))).rejects.toThrow();
    expect(await off.has('off/wrong')).toBe(false);

    await off.copyVerifiedFrom({ bucket, key: 'off/single' }, 'off/copied', sha256Hex(body));
    expect(await readAll(await off.get('off/copied'))).toEqual(body);
    await expect(off.copyVerifiedFrom({ bucket, key: 'off/single' }, 'off/copied-bad', sha256Hex(large))).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(await off.has('off/copied-bad')).toBe(false);

    await off.delete(['off/single', 'off/multipart', 'off/copied']);
    const left: string[] = [];
    for await (const object of off.list('off/')) left.push(object.key);
    expect(left).toEqual([]);
    await expect(off.presignPut({ key: 'off/presigned', sha256Hex: sha256Hex(body), size: body.length, expiresSeconds: 60 })).rejects.toThrow(/would not bind its body/);
  });
});
