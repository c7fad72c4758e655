import { describe, expect, it } from 'vitest';
import { holdingKey, loanKey, putLoan } from './access.ts';
import { collectExpiredLeases, collectGarbage, collectOrphanGrants, collectStaging, isGarbage, type GracePolicy } from './gc.ts';
import { canonicalManifestJson, manifestDigest, manifestKey, type Manifest } from './manifest.ts';
import { memoryStore, type MemoryStore } from './memory-store.ts';
import type { StoredObject } from './object-store.ts';
import { holdPushLease, leaseKeys, uploadLeaseId, writeDigestLease } from './push-lease.ts';
import { stagedUploadKey } from './staging.ts';

const hour = 60 * 60 * 1000;
const now = new Date('2026-01-02T00:00:00Z');
const policy: GracePolicy = { now, graceMs: hour };

const hex = (c: string): string => c.repeat(64);
const digest = (c: string): string => `sha256:${hex(c)}`;
const blobKeyOf = (c: string): string => `blobs/sha256/${hex(c)}`;

function manifestOf(...blobChars: string[]): Manifest {
  return { version: 1, entries: blobChars.map((c, i) => ({ path: `f${i}`, digest: digest(c), size: 10, mode: 0o644 })) };
}

/** A store whose objects are written `ageMs` before `now` unless said otherwise. */
function storeAt(ageMs = 2 * hour): MemoryStore & { age(ms: number): void } {
  let age = ageMs;
  const store = memoryStore(() => new Date(now.getTime() - age));
  return Object.assign(store, { age: (ms: number) => (age = ms) });
}

async function putBlobs(store: MemoryStore, ...chars: string[]): Promise<void> {
  for (const c of chars) await store.put(blobKeyOf(c), Buffer.alloc(10), 10, '');
}

async function putManifest(store: MemoryStore, manifest: Manifest): Promise<string> {
  const d = manifestDigest(manifest);
  const bytes = Buffer.from(canonicalManifestJson(manifest));
  await store.put(manifestKey(d), bytes, bytes.length, '');
  return d;
}

async function putRawManifest(store: MemoryStore, d: string, text: string): Promise<void> {
  await store.put(manifestKey(d), Buffer.from(text), Buffer.byteLength(text), '');
}

const blobsLeft = (store: MemoryStore): string[] => [...store.objects.keys()].filter((k) => k.startsWith('blobs/')).sort();

describe('isGarbage', () => {
  const object = (key: string, ageMs: number): StoredObject => ({ key, size: 1, lastModified: new Date(now.getTime() - ageMs) });
  const protectedHex = new Set([hex('a')]);
  const cases: Array<{ name: string; object: StoredObject; want: boolean }> = [
    { name: 'an old unprotected blob', object: object(blobKeyOf('b'), 2 * hour), want: true },
    { name: 'an old protected blob', object: object(blobKeyOf('a'), 2 * hour), want: false },
    { name: 'a recent unprotected blob (a push in flight)', object: object(blobKeyOf('b'), hour / 2), want: false },
    { name: 'exactly at the grace boundary counts as old', object: object(blobKeyOf('b'), hour), want: true },
    { name: 'an old key that is no digest at all', object: object('blobs/sha256/junk', 2 * hour), want: true },
  ];
  it.each(cases)('$name → $want', ({ object: o, want }) => {
    expect(isGarbage(o, { has: (h) => protectedHex.has(h) }, policy)).toBe(want);
  });
});

describe('collectGarbage', () => {
  it('deletes old blobs and manifests nothing in use names, keeps the rest', async () => {
    const store = storeAt();
    await putBlobs(store, 'a', 'b', 'c', 'd');
    const live = await putManifest(store, manifestOf('a', 'b'));
    const unused = await putManifest(store, manifestOf('c'));
    store.age(hour / 2);
    await putBlobs(store, 'e');
    const result = await collectGarbage({ store, liveManifests: [live], now });
    expect(result).toMatchObject({ deletedBlobs: 2, keptBlobs: 3, deletedManifests: 1, freedBytes: 20, missingLiveManifests: 0 });
    expect(blobsLeft(store)).toEqual([blobKeyOf('a'), blobKeyOf('b'), blobKeyOf('e')]);
    expect(store.objects.has(manifestKey(unused))).toBe(false);
    // Manifests go before their blobs.
    expect(store.deletedKeys[0]).toBe(manifestKey(unused));
  });

  it('skips a digest in use that has no manifest (a spec naming one never pushed) and still collects', async () => {
    const store = storeAt();
    await putBlobs(store, 'a', 'b');
    const live = await putManifest(store, manifestOf('a'));
    const result = await collectGarbage({ store, liveManifests: [live, digest('9'), 'sha256:not-a-digest'], now });
    expect(result).toMatchObject({ deletedBlobs: 1, missingLiveManifests: 2, missingLiveSample: ['sha256:not-a-digest', digest('9')] });
    expect(blobsLeft(store)).toEqual([blobKeyOf('a')]);
  });

  it.each([
    ['not JSON', (a: string, b: string) => `{"entries":[{"digest":"sha256:${a}"},{"digest":"sha256:${b}"`],
    ['an unsafe path', (a: string, b: string) => `{"version":1,"entries":[{"path":"../x","digest":"sha256:${a}","size":1,"mode":420},{"path":"/abs","digest":"sha256:${b}","size":1,"mode":420}]}`],
  ])('keeps every blob a live manifest names even when it is %s', async (_name, text) => {
    const store = storeAt();
    await putBlobs(store, 'a', 'b', 'c');
    await putRawManifest(store, digest('7'), text(hex('a'), hex('b')));
    const result = await collectGarbage({ store, liveManifests: [digest('7')], now });
    expect(result).toMatchObject({ deletedBlobs: 1, deletedManifests: 0 });
    expect(blobsLeft(store)).toEqual([blobKeyOf('a'), blobKeyOf('b')]);
  });

  it('keeps the blobs and manifest of a push holding a lease, however old, and collects them once released', async () => {
    const store = storeAt();
    await putBlobs(store, 'a', 'b');
    const manifest = manifestOf('a', 'b');
    store.age(60_000); // renewed a minute ago
    const lease = await holdPushLease(store, manifest, { settleMs: 0 });
    await putManifest(store, manifest);
    expect(await collectGarbage({ store, liveManifests: [], now, graceMs: 1 })).toMatchObject({ deletedBlobs: 0, deletedManifests: 0 });
    await lease.release();
    expect(await collectGarbage({ store, liveManifests: [], now, graceMs: 1 })).toMatchObject({ deletedBlobs: 2, deletedManifests: 1 });
  });

  it('ignores a lease not renewed for five minutes: its push died', async () => {
    const store = storeAt(6 * 60_000);
    await putBlobs(store, 'a');
    await holdPushLease(store, manifestOf('a'), { settleMs: 0, renewEveryMs: hour });
    expect(await collectGarbage({ store, liveManifests: [], now, graceMs: 1 })).toMatchObject({ deletedBlobs: 1 });
  });

  it('reads the live set again before deleting: a file set recorded mid-sweep keeps its blobs', async () => {
    const store = storeAt();
    await putBlobs(store, 'a', 'b');
    const recorded = await putManifest(store, manifestOf('a'));
    let calls = 0;
    const live = (): string[] => (++calls === 1 ? [] : [recorded]);
    const result = await collectGarbage({ store, liveManifests: live, now });
    expect(calls).toBeGreaterThan(1);
    expect(result).toMatchObject({ deletedBlobs: 1, deletedManifests: 0 });
    expect(blobsLeft(store)).toEqual([blobKeyOf('a')]);
  });

  it('finds a manifest written mid-sweep before deleting blobs, and spares what it names', async () => {
    const store = storeAt();
    await putBlobs(store, 'a', 'b');
    await putManifest(store, manifestOf('b')); // unused: gives the manifest phase a batch
    let calls = 0;
    const live = async (): Promise<string[]> => {
      calls += 1;
      if (calls === 2) {
        store.age(0);
        await putManifest(store, manifestOf('a'));
      }
      return [];
    };
    const result = await collectGarbage({ store, liveManifests: live, now });
    expect(result).toMatchObject({ deletedBlobs: 1, deletedManifests: 1 });
    expect(blobsLeft(store)).toEqual([blobKeyOf('a')]);
  });

  it('deletes nothing when it cannot re-read what is in use quickly before a batch', async () => {
    const store = storeAt();
    await putBlobs(store, 'a');
    let t = 0;
    const slowClock = (): number => (t += 5_000);
    await expect(collectGarbage({ store, liveManifests: [], now, clock: slowClock })).rejects.toThrow(/could not re-read/);
    expect(store.deletedKeys).toEqual([]);
  });

  it('stops without deleting a blob when a live manifest cannot be read for another reason', async () => {
    const store = storeAt();
    await putBlobs(store, 'a');
    const live = await putManifest(store, manifestOf('a'));
    store.get = () => Promise.reject(new Error('connection reset'));
    await expect(collectGarbage({ store, liveManifests: [live], now })).rejects.toThrow(/reading manifest/);
    expect(store.deletedKeys).toEqual([]);
  });

  it('on a dry run counts what it would delete and deletes nothing', async () => {
    const store = storeAt();
    await putBlobs(store, 'a', 'b');
    expect(await collectGarbage({ store, liveManifests: [], now, dryRun: true })).toMatchObject({ deletedBlobs: 2, freedBytes: 20 });
    expect(store.deletedKeys).toEqual([]);
  });

  it('deletes in batches of 1,000, re-reading the live set before each', async () => {
    const store = storeAt();
    for (let i = 0; i < 2_500; i++) await store.put(`blobs/sha256/${i.toString(16).padStart(64, '0')}`, Buffer.alloc(1), 1, '');
    let calls = 0;
    const result = await collectGarbage({ store, liveManifests: () => (calls++, []), now });
    expect(result.deletedBlobs).toBe(2_500);
    expect(calls).toBe(1 + 3);
  });
});

describe('the other collections', () => {
  it('deletes grants whose manifest is gone, past the grace period', async () => {
    const store = storeAt();
    const kept = await putManifest(store, manifestOf('a'));
    await store.put(holdingKey('uid-ns', kept), Buffer.alloc(0), 0, '');
    await store.put(holdingKey('uid-ns', digest('9')), Buffer.alloc(0), 0, '');
    store.age(0);
    await store.put(holdingKey('uid-other', digest('8')), Buffer.alloc(0), 0, '');
    expect(await collectOrphanGrants(store, policy, () => true)).toBe(1);
    expect(store.deletedKeys).toEqual([holdingKey('uid-ns', digest('9'))]);
  });

  it('deletes the holdings and loans of namespaces that no longer exist, past the grace period', async () => {
    const store = storeAt();
    const kept = await putManifest(store, manifestOf('a'));
    const live = (uid: string): boolean => uid === 'uid-live';
    await store.put(holdingKey('uid-live', kept), Buffer.alloc(0), 0, '');
    await store.put(holdingKey('uid-gone', kept), Buffer.alloc(0), 0, '');
    await putLoan(store, 'plan-1', { namespaceUid: 'uid-live', digest: kept });
    await putLoan(store, 'plan-1', { namespaceUid: 'uid-gone', digest: kept });
    store.age(0);
    await store.put(holdingKey('uid-new', kept), Buffer.alloc(0), 0, '');
    expect(await collectOrphanGrants(store, policy, live)).toBe(2);
    expect(store.deletedKeys.sort()).toEqual([holdingKey('uid-gone', kept), loanKey('plan-1', { namespaceUid: 'uid-gone', digest: kept })].sort());
  });

  it('deletes old staging copies', async () => {
    const store = storeAt();
    await store.put('staging/x', Buffer.alloc(1), 1, '');
    store.age(0);
    await store.put('staging/y', Buffer.alloc(1), 1, '');
    expect(await collectStaging(store, policy)).toBe(1);
    expect(store.deletedKeys).toEqual(['staging/x']);
  });

  it('keeps the staged uploads of a session that renews its lease, and deletes an abandoned session\'s', async () => {
    const store = storeAt(2 * hour);
    const blob = digest('c');
    await store.put(stagedUploadKey('a', 'alive.token', blob), Buffer.alloc(1), 1, '');
    await store.put(stagedUploadKey('a', 'dead.token', blob), Buffer.alloc(1), 1, '');
    store.age(hour + 10 * 60_000);
    await writeDigestLease(store, uploadLeaseId('dead.token'), [blob]);
    store.age(0);
    await writeDigestLease(store, uploadLeaseId('alive.token'), [blob]);
    expect(await collectStaging(store, policy)).toBe(1);
    expect(store.deletedKeys).toEqual([stagedUploadKey('a', 'dead.token', blob)]);
  });

  it('deletes the leases of pushes that died, never a live one', async () => {
    const store = storeAt(hour + 10 * 60_000);
    const dead = await holdPushLease(store, manifestOf('a'), { settleMs: 0, renewEveryMs: hour });
    store.age(0);
    const alive = await holdPushLease(store, manifestOf('b'), { settleMs: 0, renewEveryMs: hour });
    expect(await collectExpiredLeases(store, policy)).toBe(2);
    expect(store.deletedKeys.sort()).toEqual([leaseKeys(dead.id).digests, leaseKeys(dead.id).head].sort());
    expect(store.objects.has(leaseKeys(alive.id).head)).toBe(true);
    await alive.release();
  });
});
