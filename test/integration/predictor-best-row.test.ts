import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import { writeFederatedOutputs } from '../support/federated-outputs.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { applyPredictor, predictorDeployment, waitForPredictor } from '../support/predictor-runs.ts';

// A Predictor serving "the best row of plan X", as a user drives it: a plan of two tasks (train, then
// test its model) runs on kwok with the mover simulator writing what the code would (tests score
// 0.5 + round/10); the Predictor serves the model the top row evaluated once the plan has finished.
// Tasks appended for a second, better round finish the plan again: a Predictor with follow rolls
// out the better model, one without keeps the one people started using.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let sim: MoverSim;

function apply(kind: string, name: string, spec: unknown): void {
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata: { name }, spec }));
}
const round = (n: number, name: string): object[] => [
  { name: `${name}-train`, algoRef: { name: 'train' }, inputs: [], round: n },
  { name: `${name}-test-0`, algoRef: { name: 'evaluate' }, inputs: [{ name: 'model', taskOutput: { task: `${name}-train`, output: 'model' } }], round: n },
];
const getPlan = (): ComputePlan => kubectlGet<ComputePlan>(ns.name, 'computeplans.tessera.dev', 'rounds');
function jobOutput(task: string): string | undefined {
  const outputs = kubectl(['get', 'jobs.tessera.dev', '-n', ns.name, '-l', `tessera.dev/task=${task}`, '-o', 'jsonpath={.items[0].status.outputs}']);
  return (JSON.parse(outputs || '[]') as Array<{ name: string; digest: string }>).find((o) => o.name === 'model')?.digest;
}

async function planSucceeds(tasks: number): Promise<void> {
  await waitFor(`plan rounds to succeed with ${tasks} tasks`, () => {
    const plan = getPlan();
    if (plan.status?.phase === 'Failed') throw new Error(`plan rounds Failed: ${JSON.stringify(plan.status)}; mover failures: ${JSON.stringify([...sim.failures])}`);
    return plan.status?.phase === 'Succeeded' && plan.status.counts?.total === tasks && plan.status.observedGeneration === plan.metadata.generation;
  }, 90_000);
}

beforeAll(async () => {
  installCrds();
  operator = await startOperator('predictor-best-row');
  sim = startMoverSim({ namespaces: [ns.name], transferUrl: operator.transferUrl, write: writeFederatedOutputs });
  apply('Algo', 'train', { image: 'local/sim:1', category: 'train', outputs: [{ name: 'model' }] });
  apply('Algo', 'evaluate', { image: 'local/sim:1', category: 'metric', inputs: [{ name: 'model' }], outputs: [{ name: 'performance' }] });
}, 120_000);
afterAll(async () => {
  await sim?.stop();
  await operator?.stop();
});

const server = { image: 'local/serve:1', command: ['node', 'serve.js'], port: 9000, resources: { cpu: '250m', memory: '256Mi' } };

describe("a Predictor serving a plan's best row", () => {
  it('waits for the plan to finish, then serves the model its best row evaluated', async () => {
    apply('ComputePlan', 'rounds', { tasks: round(1, 'a') });
    applyPredictor(ns.name, 'pinned', { ...server, model: { plan: { name: 'rounds', best: true, output: 'model' } } });
    applyPredictor(ns.name, 'following', { ...server, model: { plan: { name: 'rounds', best: true, follow: true, output: 'model' } } });
    await planSucceeds(2);
    const first = jobOutput('a-train');
    expect(first).toMatch(/^sha256:/);
    for (const name of ['pinned', 'following']) {
      const ready = await waitForPredictor(ns.name, name, (p) => p.status?.phase === 'Ready', { what: 'Ready' });
      expect(ready.status).toMatchObject({ modelDigest: first, modelSource: 'plan rounds/a-train/model (best row accuracy=0.6 at a-test-0)' });
    }
  });

  it('rolls the follower to the better model once the plan finishes again, and keeps the other on the first', async () => {
    const first = jobOutput('a-train');
    kubectl(['patch', 'computeplan', 'rounds', '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { tasks: [...round(1, 'a'), ...round(2, 'b')] } })]);
    await planSucceeds(4);
    const better = jobOutput('b-train');
    expect(better).toMatch(/^sha256:/);
    expect(better).not.toBe(first);
    const followed = await waitForPredictor(ns.name, 'following', (p) => p.status?.modelDigest === better && p.status?.phase === 'Ready', { what: 'Ready on the better model' });
    expect(followed.status?.modelSource).toBe('plan rounds/b-train/model (best row accuracy=0.7 at b-test-0)');
    const deployment = await predictorDeployment(ns.name, 'following');
    expect(deployment?.spec?.template.metadata?.annotations?.['tessera.dev/model-digest']).toBe(better);
    const pinned = await waitForPredictor(ns.name, 'pinned', (p) => p.status?.phase === 'Ready', { what: 'Ready' });
    expect(pinned.status).toMatchObject({ modelDigest: first, modelSource: 'plan rounds/a-train/model (best row accuracy=0.6 at a-test-0)' });
  });

  it('refuses follow without best, in the API server', () => {
    expect(() => applyPredictor(ns.name, 'bad', { ...server, model: { plan: { name: 'rounds', task: 'a-train', follow: true, output: 'model' } } })).toThrow(/follow needs best: true/);
    expect(() => applyPredictor(ns.name, 'bad', { ...server, model: { plan: { name: 'rounds', output: 'model' } } })).toThrow(/set exactly one of task or best: true/);
  });
});
