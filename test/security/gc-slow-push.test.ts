import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTree, pullFileSet, pushDirectory, type PushResult } from '../../src/storage/file-sets.ts';
import { collectGarbage } from '../../src/storage/gc.ts';
import { blobKey, manifestKey } from '../../src/storage/manifest.ts';
import type { BlobStore } from '../../src/storage/object-store.ts';
import { holdPushLease } from '../../src/storage/push-lease.ts';
import { freshBucket, type TestBucket } from '../support/store-bucket.ts';

// Threat: a push that uploads for longer than the GC grace period. Its first blobs are old and
// named by nothing in use (the manifest comes last, the Dataset after it), so a collection running
// meanwhile deletes them, and the Dataset ends up Ready on a file set whose pulls 404. A push that
// holds a lease (push-lease.ts) keeps every blob for as long as it lasts. Collections are driven on
// demand, with a grace period of 300 ms, against a push that takes several seconds.

let bucket: TestBucket;
let scratch = '';

beforeAll(async () => {
  bucket = await freshBucket('gc-slow-push');
  scratch = await mkdtemp(join(tmpdir(), 'tessera-gc-slow-push-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await bucket?.drop();
});

/** The store, with every blob upload taking `delayMs` longer: a slow link. */
function slowUploads(store: BlobStore, delayMs: number): BlobStore {
  const slow: BlobStore = Object.create(store) as BlobStore;
  slow.put = async (key, body, size, sha256Hex) => {
    if (key.startsWith('blobs/')) await new Promise((resolve) => setTimeout(resolve, delayMs));
    await store.put(key, body, size, sha256Hex);
  };
  return slow;
}

async function treeOf(name: string, files: number): Promise<string> {
  const dir = await mkdtemp(join(scratch, `${name}-`));
  for (let i = 0; i < files; i++) await writeFile(join(dir, `part-${i}.bin`), randomBytes(1000 + i));
  return dir;
}

/** Runs `push` while collecting garbage (nothing in use, 300 ms grace) every 200 ms; returns the push's result and how many collections ran. */
async function pushUnderCollection(push: () => Promise<PushResult>): Promise<{ pushed: PushResult; collections: number; deleted: number }> {
  let done = false;
  let collections = 0;
  let deleted = 0;
  const collecting = (async () => {
    while (!done) {
      const result = await collectGarbage({ store: bucket.store, liveManifests: [], now: new Date(), graceMs: 300 });
      collections += 1;
      deleted += result.deletedBlobs;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  try {
    return { pushed: await push(), collections, deleted };
  } finally {
    done = true;
    await collecting;
  }
}

async function missingBlobs(pushed: PushResult): Promise<string[]> {
  const missing: string[] = [];
  for (const entry of pushed.manifest.entries) if (!(await bucket.store.has(blobKey(entry.digest)))) missing.push(entry.path);
  return missing;
}

describe('a push slower than the GC grace period', () => {
  it('loses its first blobs to a collection when it holds no lease (the threat is real)', async () => {
    const dir = await treeOf('unleased', 6);
    const { pushed, collections } = await pushUnderCollection(() => pushDirectory({ store: slowUploads(bucket.store, 700), dir, concurrency: 1 }));
    expect(collections).toBeGreaterThan(5);
    expect((await missingBlobs(pushed)).length).toBeGreaterThan(0);
  });

  it('keeps every blob and its manifest while it holds a lease, however long it takes', async () => {
    const dir = await treeOf('leased', 6);
    // What a pusher holding a lease does (the workstation API holds one per upload session: workstation-slow-push.test.ts): hash, hold the lease, push, record the file set, release.
    const tree = await hashTree(dir);
    const lease = await holdPushLease(bucket.store, tree.manifest);
    try {
      const { pushed, collections } = await pushUnderCollection(() => pushDirectory({ store: slowUploads(bucket.store, 700), dir, concurrency: 1 }));
      expect(collections).toBeGreaterThan(5);
      expect(await missingBlobs(pushed)).toEqual([]);
      // Still held while the caller records the Dataset: collections keep sparing it.
      const later = await collectGarbage({ store: bucket.store, liveManifests: [], now: new Date(), graceMs: 300 });
      expect(later.deletedManifests).toBe(0);
      expect(await bucket.store.has(manifestKey(pushed.digest))).toBe(true);
      const target = await mkdtemp(join(scratch, 'pulled-'));
      await expect(pullFileSet({ store: bucket.store, digest: pushed.digest, dir: target })).resolves.toMatchObject({ files: 6 });
    } finally {
      await lease.release();
    }
  });
});
