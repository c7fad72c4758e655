// Aggregate: federated averaging, each trainer's model weighted by how many samples it saw. Reads
// /tessera/inputs/model-*/model.json (models only: the aggregator never sees any data) and writes
// /tessera/outputs/model/model.json.
import { join } from 'node:path';
import { readInputModels, root, writeJson } from './common.js';

const models = readInputModels();
if (models.length === 0) throw new Error('no models to aggregate under /tessera/inputs/model-*');
const total = models.reduce((sum, m) => sum + m.samples, 0);
const average = (pick) => models.reduce((sum, m) => sum + pick(m) * (m.samples / total), 0);
const merged = {
  weights: models[0].weights.map((_, i) => average((m) => m.weights[i])),
  bias: average((m) => m.bias),
  samples: total,
};

writeJson(join(root, 'outputs', 'model'), 'model.json', merged);
console.log(`averaged ${models.length} models over ${total} samples`);
