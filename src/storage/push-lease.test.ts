import { describe, expect, it } from 'vitest';
import { manifestDigest, type Manifest } from './manifest.ts';
import { memoryStore } from './memory-store.ts';
import { holdPushLease, leaseBody, leaseKeys, parseLeaseKey } from './push-lease.ts';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const manifest: Manifest = {
  version: 1,
  entries: [
    { path: 'a', digest: digest('a'), size: 1, mode: 0o644 },
    { path: 'b', digest: digest('a'), size: 1, mode: 0o644 },
    { path: 'c', digest: digest('c'), size: 1, mode: 0o644 },
  ],
};

describe('leaseBody', () => {
  it('lists the manifest digest and each blob digest once, a line each', () => {
    expect(leaseBody(manifest).toString()).toBe(`${manifestDigest(manifest)}\n${digest('a')}\n${digest('c')}\n`);
  });
});

describe('parseLeaseKey', () => {
  it.each([
    ['leases/x/head', { id: 'x', part: 'head' }],
    ['leases/x/digests', { id: 'x', part: 'digests' }],
    ['leases/x/other', undefined],
    ['leases/x/y/head', undefined],
  ])('%s', (key, want) => {
    expect(parseLeaseKey(key)).toEqual(want);
  });
});

describe('holdPushLease', () => {
  it('writes its digests before its head, renews the head, and release deletes both (once)', async () => {
    let t = 0;
    const store = memoryStore(() => new Date(t));
    const puts: string[] = [];
    const put = store.put.bind(store);
    store.put = (key, ...rest) => (puts.push(key), put(key, ...rest));
    const lease = await holdPushLease(store, manifest, { settleMs: 0, renewEveryMs: 5 });
    const keys = leaseKeys(lease.id);
    expect(puts).toEqual([keys.digests, keys.head]);
    t = 1000;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.objects.get(keys.head)?.lastModified.getTime()).toBe(1000);
    await lease.release();
    await lease.release();
    expect(store.objects.size).toBe(0);
    const renewalsAtRelease = puts.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(puts.length).toBe(renewalsAtRelease);
  });

  it('waits for the settle time before handing the lease over', async () => {
    const started = Date.now();
    const lease = await holdPushLease(memoryStore(), manifest, { settleMs: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    await lease.release();
  });
});
