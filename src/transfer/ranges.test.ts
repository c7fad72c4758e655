import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentRangeStart, OrderedHasher, rangeHeader, splitRanges } from './ranges.ts';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('splitRanges', () => {
  it('cuts a size into consecutive ranges, the last one shorter', () => {
    expect(splitRanges(10, 4)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 10 },
    ]);
  });

  it('gives one range for a size that fits, and none for 0 bytes', () => {
    expect(splitRanges(4, 4)).toEqual([{ start: 0, end: 4 }]);
    expect(splitRanges(0, 4)).toEqual([]);
  });

  it('covers every byte exactly once', () => {
    const ranges = splitRanges(1_000_003, 65_536);
    expect(ranges[0]?.start).toBe(0);
    expect(ranges.at(-1)?.end).toBe(1_000_003);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.start).toBe(ranges[i - 1]?.end);
  });

  it('refuses sizes that are not whole non-negative numbers', () => {
    expect(() => splitRanges(-1, 4)).toThrow(RangeError);
    expect(() => splitRanges(10, 0)).toThrow(RangeError);
    expect(() => splitRanges(1.5, 4)).toThrow(RangeError);
  });
});

describe('range headers', () => {
  it('asks for inclusive HTTP ranges', () => {
    expect(rangeHeader(0, 8)).toBe('bytes=0-7');
  });

  it('reads where a 206 answer starts', () => {
    expect(contentRangeStart('bytes 8-15/100')).toBe(8);
    expect(contentRangeStart('bytes 8-15/*')).toBe(8);
    expect(contentRangeStart(undefined)).toBeUndefined();
    expect(contentRangeStart('items 8-15/100')).toBeUndefined();
  });
});

describe('OrderedHasher', () => {
  const bytes = randomBytes(10_000);
  const piece = (start: number, end: number): Buffer[] => [bytes.subarray(start, end)];

  it('hashes pieces added in file order', () => {
    const hasher = new OrderedHasher();
    hasher.add(0, piece(0, 3000));
    hasher.add(3000, [bytes.subarray(3000, 5000), bytes.subarray(5000, 10_000)]);
    expect(hasher.hashed).toBe(10_000);
    expect(hasher.digest()).toBe(sha256(bytes));
  });

  it('keeps pieces that arrive early until the gap before them is filled', () => {
    const hasher = new OrderedHasher();
    hasher.add(6000, piece(6000, 10_000));
    hasher.add(3000, piece(3000, 6000));
    expect(hasher.hashed).toBe(0);
    expect(hasher.aheadBytes).toBe(7000);
    hasher.add(0, piece(0, 3000));
    expect(hasher.hashed).toBe(10_000);
    expect(hasher.aheadBytes).toBe(0);
    expect(hasher.digest()).toBe(sha256(bytes));
  });

  it('refuses bytes added twice', () => {
    const hasher = new OrderedHasher();
    hasher.add(0, piece(0, 3000));
    expect(() => hasher.add(0, piece(0, 3000))).toThrow(/already added/);
    hasher.add(5000, piece(5000, 6000));
    expect(() => hasher.add(5000, piece(5000, 6000))).toThrow(/already added/);
  });

  it('refuses to give a digest while a gap is left', () => {
    const hasher = new OrderedHasher();
    hasher.add(3000, piece(3000, 6000));
    expect(() => hasher.digest()).toThrow(/missing at 0/);
  });

  it('gives the empty digest for no bytes', () => {
    expect(new OrderedHasher().digest()).toBe(sha256(Buffer.alloc(0)));
  });
});
