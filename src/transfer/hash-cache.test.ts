import { lstat, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Bytes } from '../storage/hashing.ts';
import { HashCache, identityOf, nowNs, rememberFiles, settledAt, settleDelayMs, stillMatches, type FileIdentity } from './hash-cache.ts';
import { hashTreeCached } from './hash-tree.ts';

const identity: FileIdentity = { dev: '2049', ino: '1234', size: 10, mtimeNs: '1700000000123456789', ctimeNs: '1700000000123456789' };
const digestA = `sha256:${'a'.repeat(64)}`;

describe('hash cache decisions', () => {
  it('trusts an entry only while device, inode, size, mtime and ctime are all unchanged', () => {
    expect(stillMatches(identity, { ...identity })).toBe(true);
    for (const change of [{ dev: '2050' }, { ino: '1235' }, { size: 11 }, { mtimeNs: '1700000000123456790' }, { ctimeNs: '1700000001123456789' }]) {
      expect(stillMatches(identity, { ...identity, ...change })).toBe(false);
    }
  });

  it('does not keep a stat taken in the clock tick of the last change (it could hide a write)', () => {
    const ctime = BigInt(identity.ctimeNs);
    expect(settledAt(identity, ctime + 5_000_000n)).toBe(false);
    expect(settledAt(identity, ctime + 50_000_000n)).toBe(true);
    expect(settleDelayMs(identity, ctime)).toBeGreaterThan(0);
    expect(settleDelayMs(identity, ctime + 50_000_000n)).toBe(0);
  });

  it('waits whole seconds on a file system that keeps whole-second times', () => {
    const coarse = { ...identity, ctimeNs: '1700000000000000000' };
    expect(settledAt(coarse, 1_700_000_000_500_000_000n)).toBe(false);
    expect(settledAt(coarse, 1_700_000_003_000_000_000n)).toBe(true);
  });

  it('remembers nothing without a file, and refuses fresh stats', () => {
    const none = HashCache.none();
    expect(none.record(identity, digestA, BigInt(identity.ctimeNs) + 10n ** 9n)).toBe(false);
    expect(none.lookup(identity)).toBeUndefined();
  });
});

describe('hash cache on disk', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hash-cache-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves entries and loads them back; a corrupt file is an empty cache', async () => {
    const path = join(dir, 'cache', 'hashes.json');
    const cache = await HashCache.load(path);
    expect(cache.record(identity, digestA, BigInt(identity.ctimeNs) + 10n ** 9n)).toBe(true);
    expect(cache.record({ ...identity, ino: '99' }, digestA, BigInt(identity.ctimeNs))).toBe(false);
    await cache.save();
    expect((await HashCache.load(path)).lookup(identity)).toBe(digestA);
    expect((await HashCache.load(path)).lookup({ ...identity, ino: '99' })).toBeUndefined();
    await writeFile(path, '{not json');
    expect((await HashCache.load(path)).lookup(identity)).toBeUndefined();
    await writeFile(path, JSON.stringify([{ ...identity, digest: 'sha256:short' }]));
    expect((await HashCache.load(path)).lookup(identity)).toBeUndefined();
  });

  it('lets an unchanged tree skip reading, and reads a file again once it changed', async () => {
    const tree = join(dir, 'tree');
    const cachePath = join(dir, 'hashes.json');
    await mkdir(tree);
    await writeFile(join(tree, 'a.bin'), 'first');
    await writeFile(join(tree, 'b.bin'), 'second');
    await sleep(30);
    const first = await hashTreeCached(tree, await HashCache.load(cachePath));
    expect(first.stats).toEqual({ cachedFiles: 0, hashedBytes: 11 });
    const again = await hashTreeCached(tree, await HashCache.load(cachePath));
    expect(again.stats).toEqual({ cachedFiles: 2, hashedBytes: 0 });
    expect(again.manifest).toEqual(first.manifest);
    // Same size, mtime put back: ctime still moves, so the change is seen.
    await writeFile(join(tree, 'a.bin'), 'FIRST');
    const past = new Date(Date.now() - 3_600_000);
    await utimes(join(tree, 'a.bin'), past, past);
    const changed = await hashTreeCached(tree, await HashCache.load(cachePath));
    expect(changed.stats).toEqual({ cachedFiles: 1, hashedBytes: 5 });
    expect(changed.manifest.entries.find((e) => e.path === 'a.bin')?.digest).toBe(sha256Bytes('FIRST').digest);
  });

  it('remembers files a pull just wrote once the clock tick has passed, unless they changed', async () => {
    const cachePath = join(dir, 'hashes.json');
    const kept = join(dir, 'kept.bin');
    const touched = join(dir, 'touched.bin');
    await writeFile(kept, 'kept');
    await writeFile(touched, 'touched');
    const files = [kept, touched].map(async (path) => ({ absolutePath: path, digest: sha256Bytes(await readFile(path)).digest, identity: identityOf(await lstat(path, { bigint: true })) }));
    const known = await Promise.all(files);
    await sleep(30);
    await writeFile(touched, 'TOUCHED');
    const cache = await HashCache.load(cachePath);
    const started = nowNs();
    await rememberFiles(cache, known);
    expect(nowNs() - started).toBeLessThan(2_000_000_000n);
    const loaded = await HashCache.load(cachePath);
    expect(loaded.lookup(identityOf(await lstat(kept, { bigint: true })))).toBe(sha256Bytes('kept').digest);
    expect(loaded.lookup(identityOf(await lstat(touched, { bigint: true })))).toBeUndefined();
  });
});
