import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { TesseraJob } from '../../src/api/job.ts';
import { installTessera, operatorLogs, uninstallTessera } from '../../scripts/demo/install.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { getPredictor, predictorCondition } from '../support/predictor-runs.ts';
import { tesseraImage } from '../support/real-node.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// A model trained and served in real containers on the real node, with Tessera installed by its
// chart: a Job writes a model (weights in JSON) as its output, a Predictor serves it with a small
// Node server in the tessera image that reads /tessera/inputs/model, and `tessera predict` reaches
// it through the API server's service proxy with the user's kubeconfig.

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

const ns = useNamespace(import.meta.filename);

beforeAll(() => {
  uninstallTessera();
  installTessera({ gcIntervalSeconds: 0 });
});
afterAll(() => {
  uninstallTessera();
});

const train = (weight: number): string => `mkdir -p /tessera/outputs/model && echo '{"weight": ${weight}}' > /tessera/outputs/model/weights.json`;

/** Answers POST /predict with {y: weight * x} for the model the pod pulled. */
const server = [
  "const fs = require('node:fs'); const http = require('node:http');",
  "const model = JSON.parse(fs.readFileSync(process.env.TESSERA_MODEL_DIR + '/weights.json', 'utf8'));",
  'http.createServer((req, res) => {',
  "  if (req.method !== 'POST' || req.url !== '/predict') { res.writeHead(404); res.end(); return; }",
  "  let body = ''; req.on('data', (c) => (body += c)); req.on('end', () => {",
  "    const { x } = JSON.parse(body); res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ y: model.weight * x }));",
  '  });',
  '}).listen(Number(process.env.PORT));',
].join('\n');

async function trainedJob(name: string, weight: number): Promise<void> {
  kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name }, spec: { image: tesseraImage, command: ['sh', '-c', train(weight)], outputs: [{ name: 'model' }], resources: { cpu: '250m', memory: '128Mi' } } }));
  const job = await waitFor(`Job ${name} to finish`, () => {
    const read = kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', name);
    return ['Succeeded', 'Failed'].includes(read.status?.phase ?? '') ? read : undefined;
  }, 150_000).catch((error: unknown) => {
    const seen = kubectl(['get', '-n', ns.name, 'jobs.tessera.dev,pods', '-o', 'yaml']).slice(-6000);
    throw new Error(`${(error as Error).message}\n${seen}\noperator log:\n${operatorLogs().slice(-4000)}`, { cause: error });
  });
  expect(job.status?.phase).toBe('Succeeded');
}

async function predictorReady(digestOfJob: string): Promise<void> {
  await waitFor('Predictor serve Ready on the model', () => {
    const predictor = getPredictor(ns.name, 'serve');
    return predictor.status?.phase === 'Ready' && predictor.status.modelDigest === digestOfJob;
  }, 150_000).catch((error: unknown) => {
    const pods = kubectl(['get', 'pods', '-n', ns.name, '-o', 'wide']);
    throw new Error(`${(error as Error).message}\n${JSON.stringify(getPredictor(ns.name, 'serve').status)}\n${pods}\noperator log:\n${operatorLogs().slice(-4000)}`, { cause: error });
  });
}

const outputOf = (job: string): string => kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', job).status?.outputs?.find((o) => o.name === 'model')?.digest ?? '';

describe('a Predictor on the real node', () => {
  it('serves a trained model, and `tessera predict` gets its answer through the API server', async () => {
    await trainedJob('train', 3);
    const predictor = { model: { job: { name: 'train' } }, image: tesseraImage, command: ['node', '-e', server], port: 8080, replicas: 1, resources: { cpu: '250m', memory: '128Mi' } };
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Predictor', metadata: { name: 'serve' }, spec: predictor }));
    await predictorReady(outputOf('train'));
    expect(predictorCondition(getPredictor(ns.name, 'serve'), 'ModelResolved')).toMatchObject({ status: 'True' });
    const data = join(tmpdir(), `predict-${ns.name}.json`);
    await writeFile(data, JSON.stringify({ x: 7 }));
    // The API server's service proxy reads the Service's Endpoints (v1), which kube-controller-manager's
    // endpoints-controller writes: a failure here names what the proxy said (last saw: …).
    const answer = await waitFor('an answer from the Predictor', () => tesseraCli(['predict', 'serve', '--data', data, '-n', ns.name]), 30_000);
    expect(JSON.parse(answer)).toEqual({ y: 21 });
  });

  it('rolls a new model out: answers come from the old model, then only from the new one', async () => {
    await trainedJob('train2', 5);
    const data = join(tmpdir(), `predict-${ns.name}.json`);
    kubectl(['patch', 'predictor', 'serve', '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { model: { job: { name: 'train2' } } } })]);
    const answers = new Set<number>();
    await waitFor('answers from the new model', async () => {
      const { y } = JSON.parse(await tesseraCli(['predict', 'serve', '--data', data, '-n', ns.name])) as { y: number };
      answers.add(y);
      return y === 35;
    }, 150_000);
    expect([...answers].every((y) => y === 21 || y === 35)).toBe(true);
    await predictorReady(outputOf('train2'));
  });
});
