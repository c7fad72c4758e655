import { describe, expect, it } from 'vitest';
import { blobKey } from './manifest.ts';
import { memoryStore } from './memory-store.ts';
import type { PutToPresign } from './object-store.ts';
import { presignSessionPut, uploadTagOf, writtenBySession } from './session-put.ts';
import type { VerifiedCopier } from './staged-commit.ts';
import { stagedUploadKey } from './staging.ts';

const token = 'session-a.sig';
const upload = { namespace: 'a', sessionToken: token, digest: `sha256:${'cd'.repeat(32)}`, size: 3 };
const copier: VerifiedCopier = { copyVerified: () => Promise.resolve() };

describe('presigning a session upload', () => {
  const calls: Array<{ key: string; uploadTag?: string }> = [];
  const store = {
    presignPut: ({ key, uploadTag }: PutToPresign) => {
      calls.push({ key, uploadTag });
      return Promise.resolve({ url: `https://store/${key}`, method: 'PUT' as const, headers: {} });
    },
  };

  it('names the content-addressed key, tagged with the session, where the store verifies bodies; the staging key where it cannot', async () => {
    await presignSessionPut({ store }, upload, 60);
    await presignSessionPut({ store, staged: copier }, upload, 60);
    expect(calls).toEqual([
      { key: blobKey(upload.digest), uploadTag: uploadTagOf(token) },
      { key: stagedUploadKey('a', token, upload.digest), uploadTag: undefined },
    ]);
  });
});

describe('the upload tag', () => {
  it('is a fixed-length hash that differs per session and never contains the token', () => {
    expect(uploadTagOf(token)).toMatch(/^[0-9a-f]{32}$/);
    expect(uploadTagOf(token)).toBe(uploadTagOf(token));
    expect(uploadTagOf('session-b.sig')).not.toBe(uploadTagOf(token));
    expect(uploadTagOf(token)).not.toContain('session');
  });

  it.each([
    { name: 'written by this session', uploadTag: uploadTagOf(token), want: true },
    { name: 'written by another session (the same bytes, another push)', uploadTag: uploadTagOf('session-b.sig'), want: false },
    { name: 'written without a session (stored before, by anyone)', uploadTag: undefined, want: false },
  ])('counts a stored blob $name as sent by the session: $want', async ({ uploadTag, want }) => {
    const store = memoryStore();
    store.objects.set('blob', { bytes: Buffer.from('abc'), lastModified: new Date(), ...(uploadTag ? { uploadTag } : {}) });
    expect(writtenBySession(await store.stat('blob'), token)).toBe(want);
  });

  it('counts an absent blob as not sent, however recent the session', () => {
    expect(writtenBySession(undefined, token)).toBe(false);
  });
});
