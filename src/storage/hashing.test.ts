import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingStream, sha256Bytes, sha256File, verifyingStream } from './hashing.ts';

const helloDigest = 'sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';

function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

describe('sha256Bytes and sha256File', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-hashing-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes bytes to the well-known digest', () => {
    expect(sha256Bytes('hello world')).toEqual({ digest: helloDigest, size: 11 });
  });

  it('hashes a file, empty or larger than one read chunk, the same as its bytes', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0xab);
    for (const bytes of [Buffer.alloc(0), big]) {
      const path = join(dir, `f${bytes.length}`);
      await writeFile(path, bytes);
      expect(await sha256File(path)).toEqual(sha256Bytes(bytes));
    }
  });
});

describe('HashingStream', () => {
  it('passes bytes through and reports their digest after the end', async () => {
    const hasher = new HashingStream();
    expect(() => hasher.result()).toThrow(/before it ended/);
    await pipeline(Readable.from([Buffer.from('hello '), Buffer.from('world')]), hasher, sink());
    expect(hasher.result()).toEqual({ digest: helloDigest, size: 11 });
  });
});

describe('verifyingStream', () => {
  const run = (chunks: string[]): Promise<void> =>
    pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), verifyingStream({ digest: helloDigest, size: 11 }), sink());

  it('lets the expected bytes through', async () => {
    await expect(run(['hello ', 'world'])).resolves.toBeUndefined();
  });

  it('fails at the end on different bytes of the same length', async () => {
    await expect(run(['hello ', 'worle'])).rejects.toThrow(/expected sha256:b94d/);
  });

  it('fails as soon as the body exceeds the declared size', async () => {
    await expect(run(['hello world', '!'])).rejects.toThrow(/longer than the declared 11 bytes/);
  });
});
