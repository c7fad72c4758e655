import { afterAll, describe, expect, it } from 'vitest';
import { blobKey } from './manifest.ts';
import { s3BlobStore, type S3BlobStore } from './object-store.ts';
import { uploadLeaseId } from './push-lease.ts';
import { isAbandonedStaging, isStagedUploadKey, parseStagedUploadKey, stagedSessionPrefix, stagedUploadKey, type StagingSweepPolicy } from './staging.ts';

const digest = `sha256:${'ab'.repeat(32)}`;
const tokenA = 'eyJuYW1lc3BhY2UiOiJhIn0.c2lnbmF0dXJlLWE';
const tokenB = 'eyJuYW1lc3BhY2UiOiJiIn0.c2lnbmF0dXJlLWI';

describe('staged upload keys', () => {
  it('name the namespace, the session (by its lease id, never the token) and the blob', () => {
    const key = stagedUploadKey('hospital-a', tokenA, digest);
    expect(key).toBe(`staging/uploads/hospital-a/${uploadLeaseId(tokenA)}/${'ab'.repeat(32)}`);
    expect(key).not.toContain(tokenA);
    expect(key.startsWith(stagedSessionPrefix('hospital-a', tokenA))).toBe(true);
    expect(parseStagedUploadKey(key)).toEqual({ namespace: 'hospital-a', sessionId: uploadLeaseId(tokenA), hex: 'ab'.repeat(32) });
  });

  it('differ between sessions and between namespaces for the same blob', () => {
    const keys = new Set([stagedUploadKey('hospital-a', tokenA, digest), stagedUploadKey('hospital-a', tokenB, digest), stagedUploadKey('hospital-b', tokenA, digest)]);
    expect(keys.size).toBe(3);
  });

  it('refuse anything that is not a digest', () => {
    expect(() => stagedUploadKey('hospital-a', tokenA, 'sha256:../../blobs')).toThrow();
  });

  it.each([
    { key: blobKey(digest), staged: false },
    { key: `staging/${'0'.repeat(24)}`, staged: false },
    { key: `staging/uploads/hospital-a/${uploadLeaseId(tokenA)}/${'ab'.repeat(32)}`, staged: true },
    { key: `staging/uploads/Hospital/${uploadLeaseId(tokenA)}/${'ab'.repeat(32)}`, staged: false },
    { key: `staging/uploads/hospital-a/${uploadLeaseId(tokenA)}/../${'ab'.repeat(32)}`, staged: false },
    { key: `staging/uploads/hospital-a/${uploadLeaseId(tokenA)}/${'ab'.repeat(32)}/x`, staged: false },
    { key: `staging/uploads/hospital-a/upload-short/${'ab'.repeat(32)}`, staged: false },
  ])('$key is a staging key: $staged', ({ key, staged }) => {
    expect(isStagedUploadKey(key)).toBe(staged);
  });
});

describe('the staging sweep', () => {
  const now = new Date('2026-01-02T00:00:00Z');
  const hour = 3_600_000;
  const alive = uploadLeaseId(tokenA);
  const policy: StagingSweepPolicy = { now, graceMs: hour, activeSessions: new Set([alive]) };
  const at = (key: string, ageMs: number): { key: string; size: number; lastModified: Date } => ({ key, size: 1, lastModified: new Date(now.getTime() - ageMs) });

  it.each([
    { what: 'a recent blob of a dead session', key: stagedUploadKey('a', tokenB, digest), ageMs: hour - 1, doomed: false },
    { what: 'an old blob of a dead session', key: stagedUploadKey('a', tokenB, digest), ageMs: hour + 1, doomed: true },
    { what: 'an old blob of a session still renewing its lease', key: stagedUploadKey('a', tokenA, digest), ageMs: 10 * hour, doomed: false },
    { what: 'an old verified copy a crash left behind', key: `staging/${'0'.repeat(24)}`, ageMs: hour + 1, doomed: true },
    { what: 'a recent verified copy', key: `staging/${'0'.repeat(24)}`, ageMs: 0, doomed: false },
  ])('$what: deleted $doomed', ({ key, ageMs, doomed }) => {
    expect(isAbandonedStaging(at(key, ageMs), policy)).toBe(doomed);
  });
});

describe('presigned PUTs with checksumMode off', () => {
  // No request is sent: presigning resolves the endpoint and signs locally.
  const store: S3BlobStore = s3BlobStore({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', bucket: 'tessera', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', checksumMode: 'off' });
  afterAll(() => store.close());

  it('bind a staging key to its size, with no checksum header or query parameter', async () => {
    const key = stagedUploadKey('hospital-a', tokenA, digest);
    const put = await store.presignPut({ key, sha256Hex: 'ab'.repeat(32), size: 100, expiresSeconds: 900 });
    expect(put.headers).toEqual({ 'content-length': '100' });
    const url = new URL(put.url);
    expect(url.pathname).toBe(`/tessera/${key}`);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect([...url.searchParams.keys()].filter((name) => name.toLowerCase().includes('checksum'))).toEqual([]);
  });

  it('are refused for a content-addressed key, which such a PUT could fill with any bytes', async () => {
    await expect(store.presignPut({ key: blobKey(digest), sha256Hex: 'ab'.repeat(32), size: 100, expiresSeconds: 900 })).rejects.toThrow(/would not bind its body/);
  });
});
