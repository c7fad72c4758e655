import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { Dataset } from '../../src/api/dataset.ts';
import { kubectl, tessera } from '../../scripts/demo/federated.ts';
import { installTessera, operatorLogs, uninstallTessera } from '../../scripts/demo/install.ts';
import { waitFor } from '../support/kube.ts';
import { kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { getPredictor } from '../support/predictor-runs.ts';
import {
  accuracyByRound,
  aggregator,
  ensureDigitsImage,
  example,
  planEnded,
  prepareDigits,
  quantile,
  resetDigits,
  servingHospital,
  taskOutput,
  type DigitsSetup,
  type HeldOut,
} from '../support/python-digits.ts';
import { servicePost, type ProxyPost } from '../support/service-proxy.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// The Python example (examples/python-digits) on the real node, with Tessera installed by its chart:
// PyTorch from Debian's python3-torch trains an MLP on scikit-learn's digits, split non-IID across
// three hospitals. FedAvg over them; hospital-1's trial search on its own data; a Predictor serving
// the search's best model in hospital-1, then rolled to the federation's model under load.
// Figures it holds to: FedAvg's held-out accuracy rises every round and ends above 0.9; the search's
// best trial beats its worst; each served model answers at least 80 % of the held-out images right,
// the federation's better than the local one; no request fails during the rollout.

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

let setup: DigitsSetup;
const took: Record<string, number> = {};

beforeAll(async () => {
  took.image = ensureDigitsImage();
  uninstallTessera();
  installTessera({ gcIntervalSeconds: 0 });
  resetDigits();
  setup = await prepareDigits();
  // Both plans at once: they are independent, and the node's two cores are the limit either way.
  kubectl(['apply', '-f', join(example, 'fedavg.yaml'), '-f', join(example, 'search.yaml')]);
  took.plansApplied = Date.now();
}, 600_000);

afterAll(() => {
  console.log(`python-digits timings: ${JSON.stringify(took)}`);
  uninstallTessera();
});

function failedPlan(plan: ComputePlan): Error {
  return new Error(`plan ${plan.metadata.name} ${plan.status?.phase}: ${JSON.stringify(plan.status?.conditions)}\n${operatorLogs().slice(-5000)}`);
}

let fedAvg: ComputePlan;
let search: ComputePlan;

describe('FedAvg over three hospitals', () => {
  it('raises the held-out accuracy every round, above 0.9 at the end', async () => {
    fedAvg = await planEnded(aggregator, 'digits-fedavg', 480_000);
    took.fedAvgSeconds = Math.round((Date.now() - took.plansApplied!) / 1000);
    if (fedAvg.status?.phase !== 'Succeeded') throw failedPlan(fedAvg);
    expect(fedAvg.status).toMatchObject({ progress: '21/21', round: 3 });
    const accuracy = accuracyByRound(fedAvg);
    console.log(`FedAvg held-out accuracy by round: ${accuracy.map((a) => a.toFixed(4)).join(' ')}`);
    expect(accuracy).toHaveLength(3);
    for (let round = 1; round < accuracy.length; round++) expect(accuracy[round], `round ${round + 1} over round ${round}`).toBeGreaterThan(accuracy[round - 1]!);
    expect(accuracy.at(-1)).toBeGreaterThan(0.9);
  }, 500_000);
});

describe("a trial search on hospital-1's data", () => {
  it('runs the 2 x 2 grid of learning rate and width, and its best trial beats its worst', async () => {
    search = await planEnded(servingHospital, 'digits-search', 300_000);
    took.searchSeconds = Math.round((Date.now() - took.plansApplied!) / 1000);
    if (search.status?.phase !== 'Succeeded') throw failedPlan(search);
    const trials = search.status?.trials ?? [];
    console.log(tessera(['plan', 'trials', 'digits-search', '-n', servingHospital]));
    expect(trials.map((t) => t.state)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(new Set(trials.map((t) => `${t.params?.lr}/${t.params?.width}`)).size).toBe(4);
    const objectives = trials.map((t) => t.objective ?? Number.NaN);
    const best = trials.find((t) => t.id === search.status?.search?.bestTrial);
    expect(best?.objective).toBe(Math.max(...objectives));
    expect(Math.max(...objectives)).toBeGreaterThan(Math.min(...objectives));
  }, 320_000);
});

/** The share of held-out images a served model classifies right, in one batch request. */
async function servedAccuracy(post: ProxyPost, heldOut: HeldOut[]): Promise<number> {
  const answer = await post({ images: heldOut.map((h) => h.pixels) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const digits = (answer.body as { digits: number[] }).digits;
  return digits.filter((d, i) => d === heldOut[i]!.label).length / heldOut.length;
}

async function servingDigest(digest: string): Promise<void> {
  await waitFor(`Predictor digits Ready on ${digest}`, () => {
    const predictor = getPredictor(servingHospital, 'digits');
    return predictor.status?.phase === 'Ready' && predictor.status.modelDigest === digest;
  }, 180_000).catch((error: unknown) => {
    const pods = kubectl(['get', 'pods', '-n', servingHospital, '-o', 'wide']);
    throw new Error(`${(error as Error).message}\n${JSON.stringify(getPredictor(servingHospital, 'digits').status)}\n${pods}\n${operatorLogs().slice(-4000)}`, { cause: error });
  });
}

let post: ProxyPost;
let localAccuracy: number;

describe('a Predictor in hospital-1', () => {
  it("serves the search's best model: `tessera predict` and the service proxy answer the right digits", async () => {
    const best = search.status?.search?.bestTrial ?? '';
    const digest = taskOutput(search, `${best}-train`);
    // "The best trial of plan X", as a user says it: the Predictor finds the trial's model itself.
    const spec = { model: { plan: { name: 'digits-search', best: true, output: 'model' } }, algo: { name: 'serve' }, port: 8080, replicas: 1, resources: { cpu: '500m', memory: '1Gi' } };
    kubectlApply(servingHospital, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Predictor', metadata: { name: 'digits' }, spec }));
    await servingDigest(digest);
    expect(getPredictor(servingHospital, 'digits').status?.modelSource).toMatch(new RegExp(`^plan digits-search/${best}-train/model \\(best row accuracy=0\\.\\d+ at ${best}-test\\)$`));
    const member = setup.members[servingHospital]!;
    const scratch = mkdtempSync(join(tmpdir(), 'tessera-digits-predict-'));
    try {
      // Twenty held-out images in one request through the CLI: at least 16 right (the 80 % below).
      const images = setup.heldOut.slice(0, 20);
      writeFileSync(join(scratch, 'images.json'), JSON.stringify({ images: images.map((i) => i.pixels) }));
      const answer = await waitFor('an answer through `tessera predict`', () => tessera(['predict', 'digits', '--data', join(scratch, 'images.json'), '-n', servingHospital], member.kubeconfig), 60_000);
      const digits = (JSON.parse(answer) as { digits: number[] }).digits;
      expect(digits.filter((d, i) => d === images[i]!.label).length).toBeGreaterThanOrEqual(16);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    post = await servicePost(member.config, { namespace: servingHospital, service: 'digits-predictor', port: 8080, path: '/predict' });
    localAccuracy = await servedAccuracy(post, setup.heldOut);
    console.log(`served ${best} (hospital-1's data only): held-out accuracy ${localAccuracy.toFixed(4)}`);
    expect(localAccuracy).toBeGreaterThan(0.8);
  }, 240_000);

  it("rolls to the federation's model without a failed request, and answers better", async () => {
    // The aggregator shares the last average; hospital-1 pushes it into its namespace (a Predictor
    // serves only file sets its namespace holds) and points its Predictor at it.
    const scratch = mkdtempSync(join(tmpdir(), 'tessera-digits-model-'));
    let digest: string;
    try {
      tessera(['fileset', 'pull', taskOutput(fedAvg, 'r3-aggregate'), scratch, '-n', aggregator], setup.members[aggregator]!.kubeconfig);
      tessera(['dataset', 'push', scratch, '--name', 'federated-model', '-n', servingHospital], setup.members[servingHospital]!.kubeconfig);
      digest = kubectlGet<Dataset>(servingHospital, 'datasets.tessera.dev', 'federated-model').status?.digest ?? '';
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const answers = await requestsDuringRollout(digest);
    const models = [...new Set(answers.map((a) => a.model))];
    console.log(`rollout: ${answers.length} requests, ${answers.filter((a) => !a.ok).length} failed, models in order: ${models.join(' -> ')}`);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(models).toHaveLength(2);
    const federatedAccuracy = await servedAccuracy(post, setup.heldOut);
    console.log(`served the federation's r3 average: held-out accuracy ${federatedAccuracy.toFixed(4)} (was ${localAccuracy.toFixed(4)})`);
    expect(federatedAccuracy).toBeGreaterThan(localAccuracy);
  }, 300_000);

  it('answers 1,000 single-image requests through the service proxy: p50 and p99 latency', async () => {
    const ms: number[] = [];
    let right = 0;
    for (let i = 0; i < 1000; i++) {
      const image = setup.heldOut[i % setup.heldOut.length]!;
      const answer = await post({ pixels: image.pixels });
      expect(answer.status).toBe(200);
      if ((answer.body as { digit: number }).digit === image.label) right++;
      ms.push(answer.ms);
    }
    console.log(`1,000 requests through the API server's service proxy: p50 ${quantile(ms, 0.5).toFixed(1)} ms, p99 ${quantile(ms, 0.99).toFixed(1)} ms, ${right} right`);
    expect(right).toBeGreaterThan(900);
  }, 120_000);
});

interface RolloutAnswer {
  ok: boolean;
  model: string;
}

/**
 * Sends single-image requests one after another while the Predictor rolls to `digest`, until it is
 * Ready on it and its old pod is gone; every answer is recorded (a non-200 or an error as failed).
 */
async function requestsDuringRollout(digest: string): Promise<RolloutAnswer[]> {
  const answers: RolloutAnswer[] = [];
  let rolled = false;
  const sending = (async () => {
    for (let i = 0; !rolled; i++) {
      const image = setup.heldOut[i % setup.heldOut.length]!;
      const answer = await post({ pixels: image.pixels }).catch((error: unknown) => ({ status: 0, body: String(error), ms: 0 }));
      answers.push({ ok: answer.status === 200, model: answer.status === 200 ? (answer.body as { model: string }).model : JSON.stringify(answer.body) });
    }
  })();
  kubectl(['patch', 'predictor', 'digits', '-n', servingHospital, '--type=merge', '-p', JSON.stringify({ spec: { model: { plan: null, digest } } })]);
  try {
    await servingDigest(digest);
    await waitFor('the old pod gone', () => kubectl(['get', 'pods', '-n', servingHospital, '-l', 'tessera.dev/predictor=digits', '-o', 'name']).trim().split('\n').length === 1, 120_000);
  } finally {
    rolled = true;
    await sending;
  }
  return answers;
}
