// Splits scikit-learn's handwritten digits (sklearn/datasets/data/digits.csv.gz: 1,797 rows of 64
// pixels 0-16 and a label) into a held-out test split and three hospitals' non-IID training data.
//
//   node split.js DIGITS_CSV_GZ OUT_DIR [SEED]
//
// Deterministic for a seed (default 14): a seeded shuffle (mulberry32), then
// - the held-out split: 20 % of each digit (stratified, 359 images), written to OUT/test/test.csv and,
//   as every hospital's test.csv, scored by every hospital's evaluation so figures compare;
// - the rest (1,438 images) dealt to three hospitals, each over-representing three digits: a digit
//   a hospital specializes in (hospital-1: 0 1 2, hospital-2: 3 4 5, hospital-3: 6 7 8) goes there
//   with probability 0.8 and to each other hospital with 0.1; the 9s are dealt evenly.
// Writes OUT/hospital-N/{train.csv,test.csv} and OUT/test/{test.csv,images.json} (the held-out
// pixels and labels as JSON, for requests to the Predictor), and prints each part's digit counts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [source, out, seedText = '14'] = process.argv.slice(2);
if (!source || !out) {
  console.error('usage: node split.js DIGITS_CSV_GZ OUT_DIR [SEED]');
  process.exit(2);
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(Number(seedText));
const rows = gunzipSync(readFileSync(source)).toString('utf8').trim().split('\n').map((line) => line.split(',').map(Number));
if (rows.length !== 1797 || rows.some((r) => r.length !== 65)) throw new Error(`${source}: expected 1,797 rows of 65 numbers`);

// Fisher-Yates with the seeded generator.
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [rows[i], rows[j]] = [rows[j], rows[i]];
}

const specialties = [[0, 1, 2], [3, 4, 5], [6, 7, 8]];
const test = [];
const hospitals = specialties.map(() => []);
for (let digit = 0; digit < 10; digit++) {
  const ofDigit = rows.filter((r) => r[64] === digit);
  const held = Math.round(ofDigit.length * 0.2);
  test.push(...ofDigit.slice(0, held));
  for (const row of ofDigit.slice(held)) {
    const home = specialties.findIndex((s) => s.includes(digit));
    const draw = random();
    const to = home < 0 ? Math.floor(draw * 3) : draw < 0.8 ? home : (home + (draw < 0.9 ? 1 : 2)) % 3;
    hospitals[to].push(row);
  }
}

const header = `${Array.from({ length: 64 }, (_, i) => `p${i}`).join(',')},label`;
const csv = (part) => `${header}\n${part.map((r) => r.join(',')).join('\n')}\n`;
const counts = (part) => Array.from({ length: 10 }, (_, d) => part.filter((r) => r[64] === d).length).join(' ');
for (const [i, part] of hospitals.entries()) {
  const dir = join(out, `hospital-${i + 1}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.csv'), csv(part));
  writeFileSync(join(dir, 'test.csv'), csv(test));
  console.log(`hospital-${i + 1}: ${part.length} training images, per digit ${counts(part)}`);
}
mkdirSync(join(out, 'test'), { recursive: true });
writeFileSync(join(out, 'test', 'test.csv'), csv(test));
writeFileSync(join(out, 'test', 'images.json'), `${JSON.stringify(test.map((r) => ({ pixels: r.slice(0, 64), label: r[64] })))}\n`);
console.log(`test: ${test.length} held-out images, per digit ${counts(test)}`);
