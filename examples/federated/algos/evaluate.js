// Evaluate: the aggregated model on this organization's held-out samples. Writes accuracy and log
// loss to /tessera/outputs/performance/metrics.json, which Tessera puts on the plan's leaderboard.
import { join } from 'node:path';
import { predict, readModel, readSamples, root, writeJson } from './common.js';

const samples = readSamples(join(root, 'inputs', 'data', 'test.csv'));
const model = readModel(join(root, 'inputs', 'model'));
if (!model) throw new Error('no model under /tessera/inputs/model');
let correct = 0;
let loss = 0;
for (const { x, y } of samples) {
  const p = Math.min(1 - 1e-9, Math.max(1e-9, predict(model, x)));
  if ((p >= 0.5 ? 1 : 0) === y) correct++;
  loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
}
const metrics = { accuracy: Number((correct / samples.length).toFixed(4)), loss: Number((loss / samples.length).toFixed(4)) };
writeJson(join(root, 'outputs', 'performance'), 'metrics.json', metrics);
console.log(`accuracy ${metrics.accuracy} on ${samples.length} samples`);
