import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scanDigests } from './digest-scan.ts';
import { DigestSet } from './digest-set.ts';

const hexOf = (i: number): string => createHash('sha256').update(String(i)).digest('hex');

describe('DigestSet', () => {
  it('holds every digest added, through growth, and none of 100,000 others', () => {
    const set = new DigestSet();
    for (let i = 0; i < 50_000; i++) set.add(hexOf(i));
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i++) expect(set.has(hexOf(i))).toBe(true);
    let falseYes = 0;
    for (let i = 50_000; i < 150_000; i++) if (set.has(hexOf(i))) falseYes++;
    expect(falseYes).toBe(0);
    expect(set.bytes).toBeLessThanOrEqual(50_000 * 4 * 8);
  });

  it('counts a digest added twice once, and holds the all-zero prefix', () => {
    const set = new DigestSet();
    set.add('0'.repeat(64));
    set.add('0'.repeat(64));
    set.add('f'.repeat(64));
    expect(set.size).toBe(2);
    expect(set.has('0'.repeat(64))).toBe(true);
    expect(set.has('1'.repeat(64))).toBe(false);
  });

  it('says yes for a digest sharing the first 64 bits: callers rely on it only where that is safe', () => {
    const set = new DigestSet();
    set.add(`${'ab'.repeat(8)}${'0'.repeat(48)}`);
    expect(set.has(`${'ab'.repeat(8)}${'1'.repeat(48)}`)).toBe(true);
  });

  it('refuses what is not hex', () => {
    expect(() => new DigestSet().add('not hex at all, no')).toThrow(/not a hex digest/);
  });
});

describe('scanDigests', () => {
  it('finds each digest of a manifest, also across chunk boundaries of every size', async () => {
    const digests = [hexOf(1), hexOf(2), hexOf(3)];
    const json = JSON.stringify({ version: 1, entries: digests.map((d, i) => ({ path: `f${i}`, digest: `sha256:${d}`, size: 1, mode: 420 })) });
    for (const size of [1, 7, 63, 64, 65, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < json.length; i += size) chunks.push(Buffer.from(json.slice(i, i + size)));
      const found = new Set<string>();
      await scanDigests(Readable.from(chunks), (hex) => found.add(hex));
      expect([...found].sort()).toEqual([...digests].sort());
    }
  });

  it('finds digests in bytes that are not a manifest at all (a corrupt one still protects its blobs)', async () => {
    const found: string[] = [];
    await scanDigests(Readable.from([Buffer.from(`garbage {{ ${hexOf(9)} \0 truncated sha256:${hexOf(8).slice(0, 40)}`)]), (hex) => found.push(hex));
    expect(found).toEqual([hexOf(9)]);
  });
});
