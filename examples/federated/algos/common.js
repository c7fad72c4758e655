// Shared by the three algos: where a run's files are, reading CSV samples, and the model.
// Plain JavaScript (no build step): the code runs from /tessera/code on the image's Node.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The run's root: /tessera in a pod; TESSERA_ROOT when run by hand. */
export const root = process.env.TESSERA_ROOT ?? '/tessera';

/** Samples of a CSV file with a header `x1,x2,...,label`: features and 0/1 labels. */
export function readSamples(path) {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const values = line.split(',').map(Number);
    return { x: values.slice(0, -1), y: values.at(-1) };
  });
}

/** The model in an input directory, or undefined when the input is absent (the first round). */
export function readModel(dir) {
  const path = join(dir, 'model.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

/** Every `model-*` input's model: what an aggregation averages. */
export function readInputModels() {
  const inputs = join(root, 'inputs');
  return readdirSync(inputs).filter((name) => name.startsWith('model')).map((name) => readModel(join(inputs, name))).filter(Boolean);
}

export function writeJson(dir, name, value) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
}

/** Quadratic features: the classes are separated by a curve, not a line. */
export function features(x) {
  const [a, b] = x;
  return [a, b, a * a, b * b, a * b];
}

export function predict(model, x) {
  const f = features(x);
  const z = f.reduce((sum, v, i) => sum + v * model.weights[i], model.bias);
  return 1 / (1 + Math.exp(-z));
}

export function emptyModel() {
  return { weights: [0, 0, 0, 0, 0], bias: 0, samples: 0 };
}
