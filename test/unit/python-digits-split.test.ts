import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

// The Python example's split (examples/python-digits/split.js) on a stand-in for digits.csv.gz of
// the same shape (1,797 rows of 64 pixels and a label, the real per-digit counts): deterministic for
// a seed, a stratified 20 % held out, and each hospital over-representing its three digits.

const split = fileURLToPath(new URL('../../examples/python-digits/split.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tessera-digits-split-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const perDigit = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
const source = join(work, 'digits.csv.gz');
const rows = perDigit.flatMap((count, digit) => Array.from({ length: count }, (_, i) => [...Array.from({ length: 64 }, (_, p) => (i + p) % 17), digit].join(',')));
writeFileSync(source, gzipSync(`${rows.join('\n')}\n`));

function run(out: string, seed: string): void {
  execFileSync(process.execPath, [split, source, out, seed], { stdio: 'pipe' });
}

function labels(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(',').at(-1)));
}

const count = (values: number[], digit: number): number => values.filter((v) => v === digit).length;

describe('the python-digits split', () => {
  it('is the same for the same seed and differs for another', () => {
    run(join(work, 'a'), '14');
    run(join(work, 'b'), '14');
    run(join(work, 'c'), '15');
    const train = (dir: string): string => readFileSync(join(work, dir, 'hospital-1', 'train.csv'), 'utf8');
    expect(train('a')).toBe(train('b'));
    expect(train('a')).not.toBe(train('c'));
  });

  it('holds out a fifth of every digit, in every hospital alike, and deals the rest non-IID', () => {
    run(join(work, 'd'), '14');
    const test = labels(join(work, 'd', 'test', 'test.csv'));
    perDigit.forEach((n, digit) => expect(count(test, digit)).toBe(Math.round(n * 0.2)));
    const hospitals = [1, 2, 3].map((h) => labels(join(work, 'd', `hospital-${h}`, 'train.csv')));
    expect(hospitals.reduce((sum, h) => sum + h.length, 0) + test.length).toBe(1797);
    for (const [h, trained] of hospitals.entries()) {
      expect(readFileSync(join(work, 'd', `hospital-${h + 1}`, 'test.csv'), 'utf8')).toBe(readFileSync(join(work, 'd', 'test', 'test.csv'), 'utf8'));
      // Each of its three digits: most of that digit's training images, far more than an outsider's share.
      for (const digit of [3 * h, 3 * h + 1, 3 * h + 2]) expect(count(trained, digit)).toBeGreaterThan(5 * count(hospitals[(h + 1) % 3]!, digit));
    }
    const images = JSON.parse(readFileSync(join(work, 'd', 'test', 'images.json'), 'utf8')) as Array<{ pixels: number[]; label: number }>;
    expect(images.map((i) => i.label)).toEqual(test);
    expect(images.every((i) => i.pixels.length === 64)).toBe(true);
  });
});
