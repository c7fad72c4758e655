import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteBucketCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumMismatchError, pullFileSet, pushDirectory } from '../../src/storage/file-sets.ts';
import { collectGarbage } from '../../src/storage/gc.ts';
import { sha256Bytes } from '../../src/storage/hashing.ts';
import {
  UnsafePathError,
  blobKey,
  canonicalManifestJson,
  digestHex,
  manifestDigest,
  manifestKey,
  type Manifest,
} from '../../src/storage/manifest.ts';
import { s3BlobStore, type S3BlobStore } from '../../src/storage/object-store.ts';
import { UnsupportedFileError } from '../../src/storage/walk.ts';
import { clusterEnv } from '../support/cluster-env.ts';

// The content-addressed store against the local cluster's real MinIO: each describe block gets its
// own bucket, each test its own temporary directories, and everything is removed afterwards.

const env = clusterEnv();
const buckets: string[] = [];
const stores: S3BlobStore[] = [];
let scratch = '';

async function newStore(label: string): Promise<S3BlobStore> {
  const bucket = `storage-${label}-${randomBytes(4).toString('hex')}`;
  const store = s3BlobStore({
    endpoint: env.s3Endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: env.s3AccessKey,
    secretAccessKey: env.s3SecretKey,
    requestTimeoutMs: 20_000,
    maxAttempts: 3,
  });
  await store.ensureBucket();
  await store.ensureBucket(); // idempotent
  buckets.push(bucket);
  stores.push(store);
  return store;
}

async function emptyAndDropBucket(store: S3BlobStore, bucket: string): Promise<void> {
  const keys: string[] = [];
  for await (const object of store.list('')) keys.push(object.key);
  await store.delete(keys);
  const client = s3Admin();
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  client.destroy();
}

function s3Admin(): S3Client {
  return new S3Client({
    endpoint: env.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey },
  });
}

async function tempDir(name: string): Promise<string> {
  return mkdtemp(join(scratch, `${name}-`));
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tessera-storage-'));
});

afterAll(async () => {
  for (const [i, store] of stores.entries()) {
    await emptyAndDropBucket(store, buckets[i]!);
    store.close();
  }
  await rm(scratch, { recursive: true, force: true });
});

/** A file to write: relative path, bytes, mode. */
interface TreeFile {
  path: string;
  bytes: Buffer;
  mode: number;
}

const modes = [0o644, 0o644, 0o755, 0o600, 0o700, 0o444];

// Sizes cycle through empty, small, medium and a few over the multipart threshold (8 MiB), and
// every 50th file repeats an earlier file's bytes so identical content is exercised.
function thousandFileTree(seed: string): TreeFile[] {
  const files: TreeFile[] = [];
  for (let i = 0; i < 1000; i++) {
    const path = `d${i % 10}/e${i % 7}/${i % 3 === 0 ? 'f/g/' : ''}file-${i}${i % 11 === 0 ? '.sh' : '.bin'}`;
    const size = sizeFor(i);
    const bytes = i % 50 === 49 ? files[i - 1]!.bytes : pseudoRandom(`${seed}-${i}`, size);
    files.push({ path, bytes, mode: modes[i % modes.length]! });
  }
  return files;
}

function sizeFor(i: number): number {
  if (i === 500) return 9 * 1024 * 1024 + 123; // multipart: two parts
  if (i % 100 === 7) return 0;
  if (i % 97 === 0) return 300 * 1024;
  return (i * 7919) % 5000;
}

// Deterministic bytes without holding a random generator's state: SHA-256 in counter mode.
function pseudoRandom(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; offset += 32, block++) {
    createHash('sha256').update(`${seed}/${block}`).digest().copy(out, offset);
  }
  return out;
}

async function writeTree(root: string, files: readonly TreeFile[]): Promise<void> {
  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, file.bytes);
    await chmod(path, file.mode);
  }
}

/** path → sha256 and mode of every entry under root, symlinks and all. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    const stats = await lstat(path);
    const relative = path.slice(root.length + 1);
    if (stats.isFile()) {
      result.set(relative, `${sha256Bytes(await readFile(path)).digest} ${(stats.mode & 0o777).toString(8)}`);
    } else {
      result.set(relative, stats.isDirectory() ? 'dir' : 'other');
    }
  }
  return result;
}

function filesOnly(snap: Map<string, string>): Map<string, string> {
  return new Map([...snap].filter(([, v]) => v !== 'dir'));
}

describe('file sets in MinIO', () => {
  let store: S3BlobStore;
  beforeAll(async () => {
    store = await newStore('fs');
  });

  it('round-trips a 1,000-file tree with identical bytes and modes, and a re-push uploads nothing', async () => {
    const source = await tempDir('source');
    const tree = thousandFileTree('round-trip');
    await writeTree(source, tree);
    const distinct = new Set(tree.map((f) => sha256Bytes(f.bytes).digest)).size;

    const first = await pushDirectory({ store, dir: source });
    expect(first.manifest.entries).toHaveLength(1000);
    expect(first.uploadedBlobs).toBe(distinct);
    expect(first.skippedBlobs).toBe(0);

    const target = join(await tempDir('target'), 'nested', 'root');
    const pulled = await pullFileSet({ store, digest: first.digest, dir: target });
    expect(pulled.files).toBe(1000);
    expect(filesOnly(await snapshot(target))).toEqual(filesOnly(await snapshot(source)));

    const second = await pushDirectory({ store, dir: source });
    expect(second).toMatchObject({ digest: first.digest, uploadedBytes: 0, uploadedBlobs: 0, skippedBlobs: distinct });
  });

  it('fails a pull with ChecksumMismatchError naming the file when a blob in the store is corrupt', async () => {
    const source = await tempDir('corrupt-src');
    await writeTree(source, [
      { path: 'good.txt', bytes: randomBytes(100), mode: 0o644 },
      { path: 'sub/bad.bin', bytes: randomBytes(5000), mode: 0o755 },
    ]);
    const { digest, manifest } = await pushDirectory({ store, dir: source });
    const bad = manifest.entries.find((e) => e.path === 'sub/bad.bin')!;
    const other = randomBytes(bad.size);
    await store.put(blobKey(bad.digest), other, other.length, digestHex(sha256Bytes(other).digest));

    const target = await tempDir('corrupt-dst');
    const failure = pullFileSet({ store, digest, dir: target });
    await expect(failure).rejects.toThrow(ChecksumMismatchError);
    await expect(failure).rejects.toMatchObject({ path: 'sub/bad.bin', expected: bad.digest });
    // No partial or temporary file is left where the bad one would have gone.
    expect(await readdir(join(target, 'sub'))).toEqual([]);
  });

  const unsafePaths = ['/etc/evil', '../evil', 'a/../../evil', './evil', 'a//evil', 'a\\..\\evil', 'a\0evil', 'x'.repeat(256), ''];
  it.each(unsafePaths.map((p) => [JSON.stringify(p).slice(0, 40), p]))(
    'refuses the manifest path %s and writes nothing at all',
    async (_label, path) => {
      const blob = Buffer.from('payload');
      const blobDigest = sha256Bytes(blob).digest;
      await store.put(blobKey(blobDigest), blob, blob.length, digestHex(blobDigest));
      const digest = await putHandMadeManifest(store, {
        version: 1,
        entries: [
          { path: 'fine.txt', digest: blobDigest, size: blob.length, mode: 0o644 },
          { path, digest: blobDigest, size: blob.length, mode: 0o644 },
        ],
      });
      const parent = await tempDir('unsafe');
      const before = await snapshot(parent);
      await expect(pullFileSet({ store, digest, dir: join(parent, 'target') })).rejects.toThrow(UnsafePathError);
      expect(await snapshot(parent)).toEqual(before);
    },
  );

  it('never follows a symlink already in the target, neither as a directory nor as a file', async () => {
    const blob = Buffer.from('payload');
    const blobDigest = sha256Bytes(blob).digest;
    await store.put(blobKey(blobDigest), blob, blob.length, digestHex(blobDigest));
    const parent = await tempDir('links');
    const outside = join(parent, 'outside');
    const target = join(parent, 'target');
    await mkdir(outside);
    await mkdir(target);
    await writeFile(join(outside, 'victim'), 'original');
    await symlink(outside, join(target, 'dir-link'));
    await symlink(join(outside, 'victim'), join(target, 'file-link'));

    const throughDir = await putHandMadeManifest(store, {
      version: 1,
      entries: [{ path: 'dir-link/victim', digest: blobDigest, size: blob.length, mode: 0o644 }],
    });
    await expect(pullFileSet({ store, digest: throughDir, dir: target })).rejects.toThrow(/symbolic link/);

    const overFile = await putHandMadeManifest(store, {
      version: 1,
      entries: [{ path: 'file-link', digest: blobDigest, size: blob.length, mode: 0o644 }],
    });
    await pullFileSet({ store, digest: overFile, dir: target });
    // The link itself was replaced by a regular file; what it pointed at is untouched.
    expect((await lstat(join(target, 'file-link'))).isFile()).toBe(true);
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('original');
    expect(await readdir(outside)).toEqual(['victim']);
  });

  it('refuses to push a tree holding a symlink', async () => {
    const source = await tempDir('push-link');
    await writeFile(join(source, 'a'), 'a');
    await symlink('/etc/passwd', join(source, 'passwd'));
    await expect(pushDirectory({ store, dir: source })).rejects.toThrow(UnsupportedFileError);
    await expect(pushDirectory({ store, dir: source })).rejects.toThrow(/passwd is a symbolic link/);
  });
});

async function putHandMadeManifest(store: S3BlobStore, manifest: Manifest): Promise<string> {
  const json = Buffer.from(canonicalManifestJson(manifest));
  const digest = manifestDigest(manifest);
  await store.put(manifestKey(digest), json, json.length, digestHex(digest));
  return digest;
}

describe('the S3 blob store against MinIO', () => {
  let store: S3BlobStore;
  beforeAll(async () => {
    store = await newStore('s3');
  });

  it('rejects a put whose bytes do not match the declared SHA-256, single and multipart', async () => {
    const expected = randomBytes(1000);
    const hex = digestHex(sha256Bytes(expected).digest);
    await expect(store.put('blobs/sha256/single', randomBytes(1000), 1000, hex)).rejects.toThrow(/writing/);
    expect(await store.has('blobs/sha256/single')).toBe(false);

    const size = 9 * 1024 * 1024;
    const big = randomBytes(size);
    const wrongHex = digestHex(sha256Bytes(Buffer.from('not it')).digest);
    await expect(store.put('blobs/sha256/multi', Readable.from([big]), size, wrongHex)).rejects.toThrow(/writing/);
    expect(await store.has('blobs/sha256/multi')).toBe(false);
    const client = s3Admin();
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: buckets.at(-1)! }));
    client.destroy();
    expect(uploads.Uploads ?? []).toEqual([]);

    await store.put('blobs/sha256/multi', Readable.from([big]), size, digestHex(sha256Bytes(big).digest));
    const read: Buffer[] = [];
    for await (const chunk of await store.get('blobs/sha256/multi')) read.push(chunk as Buffer);
    expect(Buffer.concat(read).equals(big)).toBe(true);
  });

  it('issues presigned PUT URLs that only accept the body whose SHA-256 they were signed for', async () => {
    const body = randomBytes(4096);
    const hex = digestHex(sha256Bytes(body).digest);
    const put = await store.presignPut({ key: 'blobs/sha256/presigned', sha256Hex: hex, size: body.length, expiresSeconds: 60 });

    const forged = randomBytes(4096);
    const refused = await fetch(put.url, { method: put.method, headers: put.headers, body: forged });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/XAmzContentChecksumMismatch|BadDigest/);
    // Dropping the checksum header breaks the signature rather than skipping the check.
    const withoutHeader = await fetch(put.url, { method: put.method, body: forged });
    expect(withoutHeader.ok).toBe(false);
    expect(await store.has('blobs/sha256/presigned')).toBe(false);

    const accepted = await fetch(put.url, { method: put.method, headers: put.headers, body });
    expect(accepted.status).toBe(200);
    const got = await fetch(await store.presignGet('blobs/sha256/presigned', 60));
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
  });
});

describe('garbage collection in MinIO', () => {
  it('deletes only blobs and manifests no live manifest refers to, after the grace period', async () => {
    const store = await newStore('gc');
    const shared = { path: 'shared.txt', bytes: randomBytes(300), mode: 0o644 };
    const keepDir = await tempDir('gc-keep');
    const dropDir = await tempDir('gc-drop');
    await writeTree(keepDir, [shared, { path: 'keep.txt', bytes: randomBytes(200), mode: 0o644 }]);
    const dropOnly = randomBytes(700);
    await writeTree(dropDir, [shared, { path: 'drop.txt', bytes: dropOnly, mode: 0o644 }]);
    const keep = await pushDirectory({ store, dir: keepDir });
    const drop = await pushDirectory({ store, dir: dropDir });
    const blobCount = async (): Promise<number> => {
      let n = 0;
      for await (const _ of store.list('blobs/')) n++;
      return n;
    };
    expect(await blobCount()).toBe(3);

    // Everything was just written, so within the grace period nothing goes.
    const fresh = await collectGarbage({ store, liveManifests: [keep.digest], now: new Date(), graceMs: 60_000 });
    expect(fresh).toEqual({ deletedBlobs: 0, freedBytes: 0, keptBlobs: 3, deletedManifests: 0, missingLiveManifests: 0, missingLiveSample: [] });

    const later = new Date(Date.now() + 2 * 60_000);
    const dry = await collectGarbage({ store, liveManifests: [keep.digest], now: later, graceMs: 60_000, dryRun: true });
    expect(dry).toEqual({ deletedBlobs: 1, freedBytes: 700, keptBlobs: 2, deletedManifests: 1, missingLiveManifests: 0, missingLiveSample: [] });
    expect(await blobCount()).toBe(3);

    const real = await collectGarbage({ store, liveManifests: [keep.digest], now: later, graceMs: 60_000 });
    expect(real).toEqual(dry);
    expect(await store.has(blobKey(sha256Bytes(dropOnly).digest))).toBe(false);
    expect(await store.has(manifestKey(drop.digest))).toBe(false);
    const target = await tempDir('gc-pull');
    await expect(pullFileSet({ store, digest: keep.digest, dir: target })).resolves.toMatchObject({ files: 2 });

    // A digest in use with no manifest (drop's, now collected) is skipped, not a reason to stop:
    // what it named is gone already, and everything else is still decided as before.
    const skipped = await collectGarbage({ store, liveManifests: [drop.digest, keep.digest], now: later, graceMs: 60_000 });
    expect(skipped).toMatchObject({ deletedBlobs: 0, keptBlobs: 2, missingLiveManifests: 1, missingLiveSample: [drop.digest] });
    const withoutKeep = await collectGarbage({ store, liveManifests: [drop.digest], now: later, graceMs: 60_000, dryRun: true });
    expect(withoutKeep).toMatchObject({ deletedBlobs: 2, deletedManifests: 1, missingLiveManifests: 1 });
    expect(await blobCount()).toBe(2);
  });
});
