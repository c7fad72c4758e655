// Synthetic data for the federated example: two classes separated by a circle, with overlap and 8 %
// label noise, so no line separates them and no model reaches 100 %. Each organization gets its own
// draw (a different seed and a shifted centre: not identically distributed).
//   node examples/federated/generate-data.js OUT_DIR SEED [SAMPLES]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, seedText = '1', countText = '600'] = process.argv.slice(2);
if (!out) throw new Error('usage: generate-data.js OUT_DIR SEED [SAMPLES]');
let state = Number(seedText) * 2654435761 >>> 0;
const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
const shift = (Number(seedText) % 3) * 0.15;

function sample() {
  const a = gaussian() * 1.2 + shift;
  const b = gaussian() * 1.2 - shift;
  const inside = a * a + b * b < 1.6 ? 1 : 0;
  const y = random() < 0.08 ? 1 - inside : inside;
  return `${a.toFixed(4)},${b.toFixed(4)},${y}`;
}

function write(name, count) {
  writeFileSync(join(out, name), ['x1,x2,label', ...Array.from({ length: count }, sample)].join('\n') + '\n');
}

mkdirSync(out, { recursive: true });
const count = Number(countText);
write('train.csv', count);
write('test.csv', Math.round(count / 3));
console.log(`wrote ${count} training and ${Math.round(count / 3)} test samples to ${out}`);
