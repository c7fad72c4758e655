import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManifestCache, approximateManifestBytes } from './manifest-cache.ts';
import { canonicalManifestJson, manifestDigest, manifestKey, type Manifest } from './manifest.ts';
import { ObjectNotFoundError, type BlobStore } from './object-store.ts';

const blobDigest = `sha256:${'a'.repeat(64)}`;

function manifestOf(paths: string[]): Manifest {
  return { version: 1, entries: paths.map((path) => ({ path, digest: blobDigest, size: 3, mode: 0o644 })) };
}

/** A store holding raw manifest bytes by digest, counting reads. */
function storeOf(objects: Map<string, Buffer>): Pick<BlobStore, 'get'> & { reads: number } {
  const store = {
    reads: 0,
    get(key: string): Promise<Readable> {
      store.reads += 1;
      const bytes = objects.get(key);
      return bytes ? Promise.resolve(Readable.from([bytes])) : Promise.reject(new ObjectNotFoundError(key));
    },
  };
  return store;
}

function put(objects: Map<string, Buffer>, manifest: Manifest): string {
  const digest = manifestDigest(manifest);
  objects.set(manifestKey(digest), Buffer.from(canonicalManifestJson(manifest)));
  return digest;
}

/** Raw bytes stored under their own digest, as a hostile writer with store keys could. */
function putRaw(objects: Map<string, Buffer>, json: string): string {
  const bytes = Buffer.from(json);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  objects.set(manifestKey(digest), bytes);
  return digest;
}

describe('ManifestCache', () => {
  it('keeps manifests up to its byte budget, dropping the least recently used first', async () => {
    const objects = new Map<string, Buffer>();
    const small = [manifestOf(['a']), manifestOf(['b']), manifestOf(['c'])];
    const digests = small.map((m) => put(objects, m));
    const store = storeOf(objects);
    const cache = new ManifestCache(store, { maxBytes: 2 * approximateManifestBytes(small[0]!) });
    for (const digest of digests) await cache.get(digest);
    expect(cache.bytes).toBe(2 * approximateManifestBytes(small[0]!));
    await cache.get(digests[2]!); // kept
    await cache.get(digests[1]!); // kept
    expect(store.reads).toBe(3);
    await cache.get(digests[0]!); // was dropped first
    expect(store.reads).toBe(4);
  });

  it('hands out a manifest heavier than the whole budget without keeping it', async () => {
    const objects = new Map<string, Buffer>();
    const big = manifestOf(Array.from({ length: 1000 }, (_, i) => `file-${i}`));
    const digest = put(objects, big);
    const store = storeOf(objects);
    const cache = new ManifestCache(store, { maxBytes: 10_000 });
    expect((await cache.get(digest)).entries).toHaveLength(1000);
    expect(cache.bytes).toBe(0);
    await cache.get(digest);
    expect(store.reads).toBe(2);
  });

  it('shares one fetch between concurrent reads of the same digest', async () => {
    const objects = new Map<string, Buffer>();
    const digest = put(objects, manifestOf(['a']));
    const store = storeOf(objects);
    const cache = new ManifestCache(store);
    await Promise.all([cache.get(digest), cache.get(digest), cache.get(digest)]);
    expect(store.reads).toBe(1);
  });
});

describe('ManifestCache.check', () => {
  const cases: Array<{ name: string; json: string; want: Record<string, unknown> }> = [
    { name: 'an unsafe path is unsafe, naming it', json: canonicalManifestJson(manifestOf(['../x'])), want: { kind: 'unsafe', path: '../x' } },
    { name: 'an absolute path', json: canonicalManifestJson(manifestOf(['/etc/passwd'])), want: { kind: 'unsafe', path: '/etc/passwd' } },
    { name: 'names that collide when case is folded', json: canonicalManifestJson(manifestOf(['A', 'a'])), want: { kind: 'unsafe', path: 'a' } },
    {
      name: 'a 4 KiB name is named by its start, and the reason is kept',
      json: canonicalManifestJson(manifestOf(['n'.repeat(4096)])),
      want: { kind: 'unsafe', message: expect.stringMatching(/^unsafe path "n{199}…: segment longer than 255 bytes$/) as unknown },
    },
    { name: 'not JSON is corrupt', json: '{"version":1,', want: { kind: 'corrupt' } },
    { name: 'a JSON that is no manifest is corrupt', json: '{"hello":1}', want: { kind: 'corrupt' } },
  ];
  it.each(cases)('$name', async ({ json, want }) => {
    const objects = new Map<string, Buffer>();
    const digest = putRaw(objects, json);
    expect(await new ManifestCache(storeOf(objects)).check(digest)).toMatchObject(want);
  });

  it('is valid with its totals, and remembered without reading again', async () => {
    const objects = new Map<string, Buffer>();
    const digest = put(objects, manifestOf(['a', 'b/c']));
    const store = storeOf(objects);
    const cache = new ManifestCache(store, { maxBytes: 0 });
    expect(await cache.check(digest)).toEqual({ kind: 'valid', files: 2, bytes: 6 });
    await cache.check(digest);
    expect(store.reads).toBe(1);
  });

  it('is missing while the store has none, and finds it once pushed', async () => {
    const objects = new Map<string, Buffer>();
    const manifest = manifestOf(['a']);
    const digest = manifestDigest(manifest);
    const cache = new ManifestCache(storeOf(objects));
    expect(await cache.check(digest)).toEqual({ kind: 'missing' });
    put(objects, manifest);
    expect(await cache.check(digest)).toMatchObject({ kind: 'valid' });
  });

  it('throws on an I/O error: that is worth a retry, not a verdict', async () => {
    const cache = new ManifestCache({ get: () => Promise.reject(new Error('connection reset')) });
    await expect(cache.check(blobDigest)).rejects.toThrow('connection reset');
  });
});
