import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../api/job.ts';
import { createLogger } from '../../runtime/logger.ts';
import { ManifestCache } from '../../storage/manifest-cache.ts';
import { manifestKey } from '../../storage/manifest.ts';
import { memoryStore } from '../../storage/memory-store.ts';
import type { RunContext } from './authorize.ts';
import { TransferError } from './errors.ts';
import { presignDownload, type TransferDeps } from './handlers.ts';

// The transfer API's last line against a hostile file set: the Job controller refuses a Job pinning
// one before any pod exists (fileset-check.ts), so no real run reaches this; a run resolved before
// that check (or any other path to the handler) still gets a permanent 4xx naming the path, never a
// 500 its mover would retry until its deadline.

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const blob = `sha256:${'b'.repeat(64)}`;

async function planted(paths: string[]): Promise<{ digest: string; deps: TransferDeps }> {
  const store = memoryStore();
  const entries = paths.map((path) => ({ path, digest: blob, size: 1, mode: 0o644 }));
  const json = JSON.stringify({ version: 1, entries });
  const digest = `sha256:${sha256Hex(json)}`;
  await store.put(manifestKey(digest), Buffer.from(json), Buffer.byteLength(json), sha256Hex(json));
  const unused = (): never => {
    throw new Error('not used');
  };
  const deps = {
    store,
    manifests: new ManifestCache(store),
    uidOf: (name: string) => `nsuid-${name}`,
    pods: { fresh: unused, mainLog: unused, annotate: unused },
    signingKeys: [Buffer.alloc(32, 1)],
    presignSeconds: 60,
    logger: createLogger({ level: 'silent' }),
    clock: { now: () => 0 },
  } satisfies TransferDeps;
  return { digest, deps };
}

function runReading(digest: string): RunContext {
  return {
    pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u' } },
    job: { metadata: { name: 'j', namespace: 'ns' } } as TesseraJob,
    plan: { namespace: 'ns', job: 'j', inputs: [{ name: 'data', digest, target: 'inputs/data' }], outputs: [] },
  };
}

describe('a download of a hostile file set', () => {
  it.each([
    { name: 'a path climbing out', paths: ['../x'], wantPath: '../x' },
    { name: 'an absolute path', paths: ['/etc/passwd'], wantPath: '/etc/passwd' },
    { name: 'names equal when case is folded', paths: ['Model.bin', 'model.bin'], wantPath: 'model.bin' },
  ])('$name: is refused 422 InvalidFileSet naming the path', async ({ paths, wantPath }) => {
    const { digest, deps } = await planted(paths);
    const refusal = await presignDownload(runReading(digest), digest, deps).then(() => undefined, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(TransferError);
    expect((refusal as TransferError).status).toBe(422);
    expect((refusal as TransferError).reason).toBe('InvalidFileSet');
    expect((refusal as TransferError).message).toContain(wantPath);
  });

  it('of a 4 KiB name is refused with a message short enough for a status', async () => {
    const { digest, deps } = await planted(['a'.repeat(4096)]);
    const refusal = (await presignDownload(runReading(digest), digest, deps).then(() => undefined, (error: unknown) => error)) as TransferError;
    expect(refusal.reason).toBe('InvalidFileSet');
    expect(refusal.message.length).toBeLessThan(1024);
  });
});
