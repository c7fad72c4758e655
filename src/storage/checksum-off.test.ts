import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isChecksumHeader, md5InsteadOfChecksums } from './checksum-off.ts';

const body = Buffer.from('<Delete><Object><Key>a</Key></Object></Delete>');
const md5 = createHash('md5').update(body).digest('base64');

describe('checksumMode off', () => {
  it.each([
    ['x-amz-checksum-crc32', true],
    ['X-Amz-Checksum-Sha256', true],
    ['x-amz-sdk-checksum-algorithm', true],
    ['content-md5', false],
    ['x-amz-content-sha256', false],
  ])('treats %s as a checksum header: %s', (name, expected) => {
    expect(isChecksumHeader(name)).toBe(expected);
  });

  it('swaps the CRC32 the SDK adds to DeleteObjects for Content-MD5 of the body', () => {
    const headers = { 'content-type': 'application/xml', 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-sdk-checksum-algorithm': 'CRC32' };
    expect(md5InsteadOfChecksums(headers, body)).toEqual({ 'content-type': 'application/xml', 'content-md5': md5 });
  });

  it('keeps a Content-MD5 already there, and adds none where no checksum was dropped', () => {
    expect(md5InsteadOfChecksums({ 'Content-MD5': 'given', 'x-amz-checksum-sha256': 'x' }, body)).toEqual({ 'Content-MD5': 'given' });
    expect(md5InsteadOfChecksums({ host: 'store' }, body)).toEqual({ host: 'store' });
  });

  it('cannot hash a streamed body, so drops the header without inventing one', () => {
    expect(md5InsteadOfChecksums({ 'x-amz-checksum-crc32': 'x' }, { pipe: () => undefined })).toEqual({});
  });
});
