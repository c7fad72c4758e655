import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChecksumMismatchError } from '../../storage/hashing.ts';
import { blobKey, type Manifest } from '../../storage/manifest.ts';
import { memoryStore, type MemoryStore } from '../../storage/memory-store.ts';
import type { VerifiedCopier } from '../../storage/staged-commit.ts';
import { stagedUploadKey } from '../../storage/staging.ts';
import { TransferError } from './errors.ts';
import { checkStagedPossession } from './staged-commit.ts';

const sha = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const token = 'session.sig';

function copierOf(store: MemoryStore): VerifiedCopier {
  return {
    copyVerified(from, to, sha256Hex) {
      const object = store.objects.get(from);
      const actual = createHash('sha256').update(object?.bytes ?? Buffer.alloc(0)).digest('hex');
      if (actual !== sha256Hex) return Promise.reject(new ChecksumMismatchError(from, sha256Hex, actual));
      store.objects.set(to, { bytes: object?.bytes ?? Buffer.alloc(0), lastModified: new Date() });
      return Promise.resolve();
    },
  };
}

function manifestOf(...files: Buffer[]): Manifest {
  return { version: 1, entries: files.map((bytes, i) => ({ path: `f${i}`, digest: sha(bytes), size: bytes.length, mode: 0o644 })) };
}

async function refusalOf(call: Promise<void>): Promise<TransferError> {
  const error: unknown = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof TransferError)) throw new Error(`expected a TransferError, got ${String(error)}`);
  return error;
}

describe("a run's commit of staged outputs", () => {
  const input = Buffer.from('an input the run was given');
  const output = Buffer.from('what the run wrote');

  it('passes blobs of its inputs and blobs it staged that hash to their digests', async () => {
    const store = memoryStore();
    await store.put(stagedUploadKey('a', token, sha(output)), output, output.length, '');
    const claim = { name: 'model', manifest: manifestOf(input, output), namespace: 'a', sessionToken: token, held: new Map([[sha(input), input.length]]), grantedNow: () => Promise.resolve(false) };
    await checkStagedPossession(claim, { store, copier: copierOf(store) });
    expect(store.objects.get(blobKey(sha(output)))?.bytes).toEqual(output);
    expect(store.objects.has(blobKey(sha(input)))).toBe(false);
  });

  it.each([
    { what: 'bytes that do not hash to the digest', staged: Buffer.from('what the run wrote?'), reason: 'InvalidRequest', message: 'do not hash to the digest the upload claimed' },
    { what: 'nothing staged', staged: undefined, reason: 'BlobMissing', message: 'were not uploaded in this upload session' },
  ])('refuses $what with $reason', async ({ staged, reason, message }) => {
    const store = memoryStore();
    if (staged) await store.put(stagedUploadKey('a', token, sha(output)), staged, staged.length, '');
    const manifest: Manifest = { version: 1, entries: [{ path: 'f', digest: sha(output), size: staged?.length ?? output.length, mode: 0o644 }] };
    const error = await refusalOf(checkStagedPossession({ name: 'model', manifest, namespace: 'a', sessionToken: token, held: new Map(), grantedNow: () => Promise.resolve(false) }, { store, copier: copierOf(store) }));
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(`output model: `);
    expect(error.message).toContain(message);
    expect(store.objects.has(blobKey(sha(output)))).toBe(false);
  });

  it('passes a retry whose staging a finished commit of the same session discarded, once the manifest is granted', async () => {
    const store = memoryStore();
    const claim = { name: 'model', manifest: manifestOf(output), namespace: 'a', sessionToken: token, held: new Map<string, number>() };
    await expect(checkStagedPossession({ ...claim, grantedNow: () => Promise.resolve(true) }, { store, copier: copierOf(store) })).resolves.toBeUndefined();
    await expect(checkStagedPossession({ ...claim, grantedNow: () => Promise.resolve(false) }, { store, copier: copierOf(store) })).rejects.toThrow(/not uploaded/);
  });

  it('refuses an input blob claimed at another size', async () => {
    const store = memoryStore();
    const manifest: Manifest = { version: 1, entries: [{ path: 'f', digest: sha(input), size: 1, mode: 0o644 }] };
    const error = await refusalOf(checkStagedPossession({ name: 'model', manifest, namespace: 'a', sessionToken: token, held: new Map([[sha(input), input.length]]), grantedNow: () => Promise.resolve(false) }, { store, copier: copierOf(store) }));
    expect(error.reason).toBe('InvalidRequest');
    expect(error.message).toContain('another size');
  });
});
