import { describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../api/job.ts';
import { createLogger } from '../../runtime/logger.ts';
import { ManifestCache } from '../../storage/manifest-cache.ts';
import { writeManifest } from '../../storage/manifest-io.ts';
import { manifestDigest, type Manifest } from '../../storage/manifest.ts';
import { memoryStore } from '../../storage/memory-store.ts';
import type { RunContext } from './authorize.ts';
import { presignDownload, presignUpload, type TransferDeps } from './handlers.ts';

// tessera_transfer_bytes_total's source: the handlers tell the bytes of the blobs they hand a mover
// URLs for, each distinct blob once, uploads the run already holds (its inputs) left out.

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

async function world(entries: Array<{ path: string; digest: string; size: number }>): Promise<{ manifest: string; deps: TransferDeps; moved: Array<[string, number]> }> {
  // The memory store cannot presign; these URLs are never fetched.
  const store = { ...memoryStore(), presignGet: (key: string) => Promise.resolve(`http://store/${key}`), presignPut: ({ key }: { key: string }) => Promise.resolve({ url: `http://store/${key}`, method: 'PUT' as const, headers: {} }) };
  const contents: Manifest = { version: 1, entries: entries.map((e) => ({ ...e, mode: 0o644 })) };
  const manifest = manifestDigest(contents);
  await writeManifest(store, contents, manifest);
  const moved: Array<[string, number]> = [];
  const unused = (): never => {
    throw new Error('not used');
  };
  const deps: TransferDeps = {
    store,
    manifests: new ManifestCache(store),
    uidOf: (name: string) => `nsuid-${name}`,
    pods: { fresh: unused, mainLog: unused, annotate: unused },
    signingKeys: [Buffer.alloc(32, 1)],
    presignSeconds: 60,
    logger: createLogger({ level: 'silent' }),
    clock: { now: () => 0 },
    bytesMoved: (direction, bytes) => moved.push([direction, bytes]),
  };
  return { manifest, deps, moved };
}

function run(input: string): RunContext {
  return {
    pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u' } },
    job: { metadata: { name: 'j', namespace: 'ns' } } as TesseraJob,
    plan: { namespace: 'ns', job: 'j', inputs: [{ name: 'data', digest: input, target: 'inputs/data' }], outputs: ['model'] },
  };
}

describe('the bytes the transfer API hands out URLs for', () => {
  it('count a download\'s distinct blobs once each', async () => {
    const { manifest, deps, moved } = await world([
      { path: 'a', digest: digest('a'), size: 100 },
      { path: 'copy-of-a', digest: digest('a'), size: 100 },
      { path: 'b', digest: digest('b'), size: 20 },
    ]);
    await presignDownload(run(manifest), manifest, deps);
    expect(moved).toEqual([['download', 120]]);
  });

  it("count an upload's distinct blobs, leaving out those the run read as inputs", async () => {
    const { manifest, deps, moved } = await world([{ path: 'a', digest: digest('a'), size: 100 }]);
    const offer = { output: 'model', manifestDigest: digest('f'), blobs: [{ digest: digest('a'), size: 100 }, { digest: digest('c'), size: 7 }, { digest: digest('c'), size: 7 }] };
    await presignUpload(run(manifest), offer, deps);
    expect(moved).toEqual([['upload', 7]]);
  });
});
