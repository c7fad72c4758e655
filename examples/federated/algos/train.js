// Train: a few epochs of logistic regression (SGD) on this organization's data, starting from the
// last aggregated model. Reads /tessera/inputs/data/train.csv and, after the first round,
// /tessera/inputs/model/model.json; writes /tessera/outputs/model/model.json. The data never leaves.
import { join } from 'node:path';
import { emptyModel, features, predict, readModel, readSamples, root, writeJson } from './common.js';

const epochs = Number(process.env.EPOCHS ?? 1);
// Small steps: a federation shows its value over rounds, not in the first one.
const rate = Number(process.env.LEARNING_RATE ?? 0.002);

const samples = readSamples(join(root, 'inputs', 'data', 'train.csv'));
const start = readModel(join(root, 'inputs', 'model')) ?? emptyModel();
const model = { weights: [...start.weights], bias: start.bias, samples: samples.length };

for (let epoch = 0; epoch < epochs; epoch++) {
  for (const { x, y } of samples) {
    const error = predict(model, x) - y;
    features(x).forEach((v, i) => (model.weights[i] -= rate * error * v));
    model.bias -= rate * error;
  }
}

writeJson(join(root, 'outputs', 'model'), 'model.json', model);
console.log(`trained on ${samples.length} samples for ${epochs} epochs`);
