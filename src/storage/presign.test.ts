import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeKey, fastPresigner } from './presign.ts';

// The fast presigner must hand out exactly the URLs getSignedUrl would (same signer, same time):
// compared here without any network, for path-style and virtual-hosted endpoints.

const signingDate = new Date('2026-01-02T03:04:05Z');
const clients: S3Client[] = [];

function client(forcePathStyle: boolean): S3Client {
  const made = new S3Client({
    endpoint: 'http://10.200.0.1:39000',
    region: 'eu-west-3',
    forcePathStyle,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  clients.push(made);
  return made;
}

afterAll(() => {
  for (const c of clients) c.destroy();
});

/** A URL as the store reads it: origin, decoded path and the query parameters in order. */
function parts(url: string): { origin: string; path: string; query: string[][] } {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: decodeURIComponent(parsed.pathname), query: [...parsed.searchParams.entries()].sort() };
}

const checksum = Buffer.from('ab'.repeat(32), 'hex').toString('base64');

describe.each([
  { style: 'path-style', forcePathStyle: true },
  { style: 'virtual-hosted', forcePathStyle: false },
])('fastPresigner ($style)', ({ forcePathStyle }) => {
  const s3 = client(forcePathStyle);
  const fast = fastPresigner(s3, 'tessera', 'eu-west-3');

  it.each(['blobs/sha256/' + 'c'.repeat(64), 'manifests/sha256/0a', 'odd key/with (parens)*!'])('signs a GET of %s as getSignedUrl does', async (key) => {
    const want = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'tessera', Key: key }), { expiresIn: 600, signingDate });
    const got = await fast.presign({ method: 'GET', key, expiresSeconds: 600, signingDate });
    expect(parts(got)).toEqual(parts(want));
  });

  it('signs a PUT bound to its size and SHA-256 header as getSignedUrl does', async () => {
    const key = 'blobs/sha256/' + 'ab'.repeat(32);
    const unhoistableHeaders = new Set(['x-amz-checksum-sha256']);
    const command = new PutObjectCommand({ Bucket: 'tessera', Key: key, ChecksumSHA256: checksum, ContentLength: 100 });
    const want = await getSignedUrl(s3, command, { expiresIn: 900, signingDate, unhoistableHeaders });
    const headers = { 'content-length': '100', 'x-amz-checksum-sha256': checksum };
    const got = await fast.presign({ method: 'PUT', key, expiresSeconds: 900, signingDate, headers, unhoistableHeaders });
    expect(parts(got)).toEqual(parts(want));
    expect(new URL(got).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host;x-amz-checksum-sha256');
  });
});

describe('encodeKey', () => {
  it.each([
    { key: 'blobs/sha256/00ff', want: 'blobs/sha256/00ff' },
    { key: 'a b/c+d', want: 'a%20b/c%2Bd' },
    { key: "it's(1)*!", want: 'it%27s%281%29%2A%21' },
  ])('$key → $want', ({ key, want }) => {
    expect(encodeKey(key)).toBe(want);
  });
});
