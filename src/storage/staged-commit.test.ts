import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChecksumMismatchError } from './hashing.ts';
import { blobKey } from './manifest.ts';
import { memoryStore, type MemoryStore } from './memory-store.ts';
import { discardStagedSession, promoteStagedBlobs, stagedRefusal, type VerifiedCopier } from './staged-commit.ts';
import { stagedUploadKey } from './staging.ts';

const sha = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const token = 'session-a.sig';
const otherToken = 'session-b.sig';

/** The copier as the S3 store's copyVerifiedFrom behaves: the target is written only on a match. */
function copierOf(store: MemoryStore): VerifiedCopier & { copies: number } {
  const copier = {
    copies: 0,
    copyVerified(from: string, to: string, sha256Hex: string): Promise<void> {
      copier.copies += 1;
      const object = store.objects.get(from);
      if (!object) return Promise.reject(new Error(`no ${from}`));
      const actual = createHash('sha256').update(object.bytes).digest('hex');
      if (actual !== sha256Hex) return Promise.reject(new ChecksumMismatchError(from, `sha256:${sha256Hex}`, `sha256:${actual}`));
      store.objects.set(to, { bytes: object.bytes, lastModified: new Date() });
      return Promise.resolve();
    },
  };
  return copier;
}

async function stage(store: MemoryStore, at: { namespace: string; sessionToken: string }, claimed: string, bytes: Buffer): Promise<string> {
  const key = stagedUploadKey(at.namespace, at.sessionToken, claimed);
  await store.put(key, bytes, bytes.length, '');
  return key;
}

describe('promoting staged blobs', () => {
  it('copies a staged blob that hashes to its digest under that digest, and keeps the staged copy until the session is discarded', async () => {
    const store = memoryStore();
    const copier = copierOf(store);
    const bytes = Buffer.from('genuine model weights');
    const key = await stage(store, { namespace: 'a', sessionToken: token }, sha(bytes), bytes);
    const verdict = await promoteStagedBlobs({ store, copier }, { namespace: 'a', sessionToken: token, blobs: [{ digest: sha(bytes), size: bytes.length }, { digest: sha(bytes), size: bytes.length }] });
    expect(verdict).toEqual({ missing: [], wrongSize: [], mismatched: [] });
    expect(stagedRefusal(verdict)).toBeUndefined();
    expect(store.objects.get(blobKey(sha(bytes)))?.bytes).toEqual(bytes);
    expect(copier.copies).toBe(1);
    expect(store.objects.has(key)).toBe(true);
    await discardStagedSession(store, 'a', token);
    expect(store.keys()).toEqual([blobKey(sha(bytes))]);
  });

  it('refuses bytes that do not hash to the digest claimed, deletes them, and writes nothing under the digest', async () => {
    const store = memoryStore();
    const claimed = sha(Buffer.from('what the tenant claims to have'));
    const forged = Buffer.from('what the tenant really sent!!');
    const key = await stage(store, { namespace: 'a', sessionToken: token }, claimed, forged);
    const verdict = await promoteStagedBlobs({ store, copier: copierOf(store) }, { namespace: 'a', sessionToken: token, blobs: [{ digest: claimed, size: forged.length }] });
    expect(verdict.mismatched).toEqual([claimed]);
    expect(stagedRefusal(verdict)).toMatchObject({ reason: 'mismatch', message: expect.stringContaining('do not hash to the digest the upload claimed') as unknown });
    expect(store.objects.has(blobKey(claimed))).toBe(false);
    expect(store.objects.has(key)).toBe(false);
  });

  it('refuses a staged blob of another size without reading it', async () => {
    const store = memoryStore();
    const copier = copierOf(store);
    const bytes = Buffer.alloc(1024, 7);
    await stage(store, { namespace: 'a', sessionToken: token }, sha(bytes), bytes);
    const verdict = await promoteStagedBlobs({ store, copier }, { namespace: 'a', sessionToken: token, blobs: [{ digest: sha(bytes), size: 1 }] });
    expect(verdict.wrongSize).toEqual([sha(bytes)]);
    expect(copier.copies).toBe(0);
    expect(store.keys()).toEqual([]);
  });

  it('counts nothing but this session of this namespace: another session, another namespace, the blob already under its digest', async () => {
    const store = memoryStore();
    const bytes = Buffer.from('someone else uploaded these');
    const theirs = await stage(store, { namespace: 'a', sessionToken: otherToken }, sha(bytes), bytes);
    await stage(store, { namespace: 'b', sessionToken: token }, sha(bytes), bytes);
    await store.put(blobKey(sha(bytes)), bytes, bytes.length, '');
    const verdict = await promoteStagedBlobs({ store, copier: copierOf(store) }, { namespace: 'a', sessionToken: token, blobs: [{ digest: sha(bytes), size: bytes.length }] });
    expect(verdict.missing).toEqual([sha(bytes)]);
    expect(stagedRefusal(verdict)?.reason).toBe('missing');
    expect(store.objects.has(theirs)).toBe(true);
  });

  it('names the mismatch first when a commit has several problems', () => {
    const refusal = stagedRefusal({ missing: ['sha256:m'], wrongSize: ['sha256:s'], mismatched: ['sha256:x'] });
    expect(refusal?.reason).toBe('mismatch');
    expect(refusal?.message).toContain('sha256:x');
  });
});
