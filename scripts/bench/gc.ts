// `npm run bench -- gc [blobs] [--impl <module>]`: how much memory one garbage collection takes on a
// store of 200,000 blobs (half of them named by 100 live manifests of 1,000 entries, half garbage),
// and how much heap a parsed manifest really takes against the manifest cache's estimate. The store
// is synthetic and generates each listing page on the fly (fresh objects, as S3 does), so what is
// measured is the collector's memory, not the store's. Nothing is timed; `--impl` points at another
// collectGarbage module (e.g. an older gc.ts copied beside the current one) for a before/after.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { approximateManifestBytes } from '../../src/storage/manifest-cache.ts';
import { canonicalManifestJson, manifestPrefix, blobPrefix, type Manifest } from '../../src/storage/manifest.ts';
import { ObjectNotFoundError, type BlobStore, type StoredObject } from '../../src/storage/object-store.ts';

setFlagsFromString('--expose-gc');
const collectHeap = runInNewContext('gc') as () => void;

const hexOf = (label: string): string => createHash('sha256').update(label).digest('hex');
const old = new Date('2020-01-01T00:00:00Z');

/** Live memory now: JS heap plus array buffers (where typed arrays live). */
function memoryNow(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

interface Shape {
  blobs: number;
  manifests: number;
  entriesPerManifest: number;
}

function manifestOf(shape: Shape, index: number): Manifest {
  const entries = Array.from({ length: shape.entriesPerManifest }, (_, i) => {
    const blob = index * shape.entriesPerManifest + i;
    return { path: `part-${String(i).padStart(7, '0')}`, digest: `sha256:${hexOf(`blob-${blob}`)}`, size: 1000, mode: 0o644 };
  });
  return { version: 1, entries };
}

/** A store that holds nothing but the manifests' digests and makes every object up when asked. */
function syntheticStore(shape: Shape, peak: { bytes: number }): { store: BlobStore; liveDigests: string[]; deleted: { count: number } } {
  const manifestHex = Array.from({ length: shape.manifests }, (_, i) => hexOf(canonicalManifestJson(manifestOf(shape, i))));
  const byHex = new Map(manifestHex.map((hex, i) => [hex, i]));
  const deleted = { count: 0 };
  // Retained memory, not allocation churn: collect before each sample (a bench, so time is no object).
  const sample = (): void => {
    collectHeap();
    peak.bytes = Math.max(peak.bytes, memoryNow());
  };
  async function* list(prefix: string): AsyncIterable<StoredObject> {
    const keys = prefix === blobPrefix ? shape.blobs : prefix === manifestPrefix ? shape.manifests : 0;
    for (let i = 0; i < keys; i++) {
      const hex = prefix === blobPrefix ? hexOf(`blob-${i}`) : (manifestHex[i] ?? '');
      yield { key: `${prefix}${hex}`, size: 1000, lastModified: new Date(old) };
      if (i % 5000 === 4999) {
        sample();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  const store: BlobStore = {
    has: () => Promise.resolve(false),
    stat: () => Promise.resolve(undefined),
    put: () => Promise.reject(new Error('read-only')),
    get(key) {
      const index = byHex.get(key.slice(key.lastIndexOf('/') + 1));
      if (index === undefined) return Promise.reject(new ObjectNotFoundError(key));
      sample();
      return Promise.resolve(Readable.from([Buffer.from(canonicalManifestJson(manifestOf(shape, index)))]));
    },
    delete(keys) {
      sample();
      deleted.count += keys.length;
      return Promise.resolve();
    },
    list,
    presignGet: () => Promise.reject(new Error('unused')),
    presignPut: () => Promise.reject(new Error('unused')),
  };
  return { store, liveDigests: manifestHex.map((hex) => `sha256:${hex}`), deleted };
}

type Collect = (options: { store: BlobStore; liveManifests: readonly string[]; now: Date; graceMs: number }) => Promise<{ deletedBlobs: number }>;

async function measureGc(collect: Collect, shape: Shape): Promise<void> {
  const peak = { bytes: 0 };
  const { store, liveDigests, deleted } = syntheticStore(shape, peak);
  collectHeap();
  collectHeap();
  const baseline = memoryNow();
  peak.bytes = baseline;
  const result = await collect({ store, liveManifests: liveDigests, now: new Date(), graceMs: 60_000 });
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  console.log(
    `gc: ${shape.blobs} blobs, ${shape.manifests} live manifests × ${shape.entriesPerManifest} entries: ` +
      `deleted ${result.deletedBlobs} (store saw ${deleted.count}), peak memory above baseline ${mib(peak.bytes - baseline)} MiB`,
  );
}

function measureManifest(entries: number): void {
  const json = canonicalManifestJson(manifestOf({ blobs: entries, manifests: 1, entriesPerManifest: entries }, 0));
  collectHeap();
  collectHeap();
  const before = memoryNow();
  const copies = [0, 1, 2].map(() => JSON.parse(json) as Manifest);
  collectHeap();
  collectHeap();
  const held = (memoryNow() - before) / copies.length;
  const parsed = copies[0] as Manifest;
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  console.log(`manifest of ${parsed.entries.length} entries (${mib(json.length)} MiB of JSON): ${mib(held)} MiB of heap parsed, cache estimate ${mib(approximateManifestBytes(parsed))} MiB`);
}

/** Runs the GC memory benchmark. */
export async function benchGc(args: string[]): Promise<void> {
  const implAt = args.indexOf('--impl');
  const impl = implAt >= 0 ? resolve(args[implAt + 1] ?? '') : resolve(import.meta.dirname, '../../src/storage/gc.ts');
  const blobs = Number(args.find((a) => /^\d+$/.test(a)) ?? 200_000);
  const { collectGarbage } = (await import(pathToFileURL(impl).href)) as { collectGarbage: Collect };
  console.log(`collector: ${impl}`);
  await measureGc(collectGarbage, { blobs, manifests: 100, entriesPerManifest: Math.floor(blobs / 200) });
  measureManifest(100_000);
}
