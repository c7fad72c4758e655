import { readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, podToken, type PodRunner } from '../support/pod-runner.ts';
import {
  applyPredictor,
  predictorCondition,
  predictorDeployment,
  predictorPods,
  predictorService,
  trainedModel,
  waitForPredictor,
} from '../support/predictor-runs.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { callTransfer } from '../support/transfer-calls.ts';

// A Predictor as a user drives it: a Job trains a model on kwok (the test plays its mover), then
// `kubectl apply` of a Predictor serving that Job's output. The operator writes a Deployment whose
// pods pull the model with the Job pods' mover and a ClusterIP Service; kwok makes the pods ready
// and the status follows; pointing the Predictor at another Job's model rolls a new ReplicaSet out.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let firstModel = '';
let secondModel = '';

beforeAll(async () => {
  installCrds();
  operator = await startOperator('predictor');
  firstModel = await trainedModel(ns.name, 'train', operator.transferUrl, { 'weights.json': '{"w": [1, 2, 3]}' });
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

/** The pod's pull, once the operator's cache knows the pod (a new pod is NotFound until then). */
const pullOnce = (runner: PodRunner): Promise<string> => waitFor('the pod\'s pull', () => runner.pull(), 20_000);

const spec = (job: string): Record<string, unknown> => ({
  model: { job: { name: job } },
  image: 'local/serve:1',
  command: ['node', 'serve.js'],
  port: 9000,
  replicas: 2,
  resources: { cpu: '250m', memory: '256Mi' },
});

describe('a Predictor serving a Job output', () => {
  it('creates a Deployment that pulls the model with the mover, and a ClusterIP Service', async () => {
    applyPredictor(ns.name, 'serve', spec('train'));
    const deployment = await waitFor('the Deployment serve-predictor', () => predictorDeployment(ns.name, 'serve'));
    expect(deployment.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Predictor', name: 'serve', controller: true, blockOwnerDeletion: true })]);
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = deployment.spec!.template.spec!;
    expect(pod.initContainers?.map((c) => [c.name, c.args])).toEqual([['pull', ['transfer', 'pull']]]);
    const main = pod.containers[0]!;
    expect(main).toMatchObject({ name: 'main', image: 'local/serve:1', command: ['node', 'serve.js'], readinessProbe: { tcpSocket: { port: 9000 } } });
    expect(main.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '250m', memory: '256Mi' } });
    expect(main.volumeMounts?.map((m) => [m.mountPath, m.readOnly])).toEqual([['/tessera/inputs', true]]);
    expect(deployment.spec?.template.metadata?.annotations?.['tessera.dev/model-digest']).toBe(firstModel);

    const service = await waitFor('the Service serve-predictor', () => predictorService(ns.name, 'serve'));
    expect(service.spec).toMatchObject({ type: 'ClusterIP', ports: [expect.objectContaining({ port: 9000, targetPort: 9000 })], selector: deployment.spec?.selector.matchLabels });
  });

  it('goes Ready once kwok marks its pods ready, with its endpoint, and kubectl get shows it', async () => {
    const ready = await waitForPredictor(ns.name, 'serve', (p) => p.status?.phase === 'Ready', { what: 'Ready' });
    expect(ready.status).toMatchObject({ replicas: 2, readyReplicas: 2, modelDigest: firstModel, endpoint: `http://serve-predictor.${ns.name}.svc:9000`, observedGeneration: 1 });
    expect(predictorCondition(ready, 'ModelResolved')).toMatchObject({ status: 'True', reason: 'Resolved' });
    // kstatus: Ready alone True, so `kubectl wait`, Flux and Argo CD read it as done.
    expect(['Ready', 'Reconciling', 'Stalled'].map((type) => predictorCondition(ready, type)?.status)).toEqual(['True', 'False', 'False']);
    const table = kubectl(['get', 'tpred', '-n', ns.name]);
    expect(table).toMatch(/READY\s+REPLICAS\s+MODEL\s+ENDPOINT\s+AGE/);
    expect(table).toMatch(new RegExp(`serve\\s+True\\s+2/2\\s+${firstModel.slice(7, 19)}\\s+http://serve-predictor\\.${ns.name}\\.svc:9000`));
  });

  it("lets a pod of it pull exactly the model, and not another file set of its namespace", async () => {
    const [pod] = await predictorPods(ns.name, 'serve');
    const runner = await podRunner(pod!, operator.transferUrl);
    await pullOnce(runner);
    expect(await readdir(join(runner.root, 'inputs', 'model'))).toEqual(['weights.json']);
    expect(await readFile(join(runner.root, 'inputs', 'model', 'weights.json'), 'utf8')).toBe('{"w": [1, 2, 3]}');
    secondModel = await trainedModel(ns.name, 'train2', operator.transferUrl, { 'weights.json': '{"w": [4, 5, 6]}' });
    const refused = await callTransfer(operator.transferUrl, 'POST /v1/download', await podToken(pod!), { digest: secondModel });
    expect(refused.status).toBe(403);
    expect(await callTransfer(operator.transferUrl, 'POST /v1/upload', await podToken(pod!), { output: 'model', manifestDigest: secondModel, blobs: [] })).toMatchObject({ status: 403 });
  });

  it('rolls a new model out when the Predictor names another Job, and records its digest', async () => {
    kubectl(['patch', 'predictor', 'serve', '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { model: { job: { name: 'train2' } } } })]);
    const recorded = await waitForPredictor(ns.name, 'serve', (p) => p.status?.modelDigest === secondModel, { what: 'the new model recorded' });
    expect(recorded.status?.modelSource).toBe(`job ${ns.name}/train2/model`);
    const rolled = await waitFor('the Deployment on the new model', async () => {
      const deployment = await predictorDeployment(ns.name, 'serve');
      return deployment?.spec?.template.metadata?.annotations?.['tessera.dev/model-digest'] === secondModel ? deployment : undefined;
    });
    expect(rolled.metadata?.generation).toBe(2);
    const ready = await waitForPredictor(ns.name, 'serve', (p) => p.status?.phase === 'Ready' && p.status.observedGeneration === 2, { what: 'Ready on the new model' });
    expect(ready.status).toMatchObject({ readyReplicas: 2, modelDigest: secondModel });
    const pods = await waitFor('only pods of the new template', async () => {
      const live = await predictorPods(ns.name, 'serve');
      return live.length === 2 && live.every((p) => p.metadata?.annotations?.['tessera.dev/model-digest'] === secondModel) ? live : undefined;
    });
    const runner = await podRunner(pods[0]!, operator.transferUrl);
    await pullOnce(runner);
    expect(await readFile(join(runner.root, 'inputs', 'model', 'weights.json'), 'utf8')).toBe('{"w": [4, 5, 6]}');
    const events = kubectl(['events', '-n', ns.name, '--for', 'predictor/serve']);
    expect(events).toContain('ModelChanged');
  });

  it('is Stalled with RolloutStalled once its pods never get ready within progressDeadlineSeconds, and says so in an event', async () => {
    // kwok keeps a pod annotated never-ready creating for ever, as the kubelet would an image that never starts.
    applyPredictor(ns.name, 'stuck', { ...spec('train'), replicas: 1, progressDeadlineSeconds: 2 }, { 'sim.tessera.dev/never-ready': 'true' });
    const rolling = await waitForPredictor(ns.name, 'stuck', (p) => p.status?.phase === 'Rolling', { what: 'Rolling' });
    expect(predictorCondition(rolling, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Rolling' });
    const stalled = await waitForPredictor(ns.name, 'stuck', (p) => p.status?.phase === 'Failed', { what: 'Failed', timeoutMs: 90_000 });
    expect(predictorCondition(stalled, 'Stalled')).toMatchObject({ status: 'True', reason: 'RolloutStalled', message: expect.stringMatching(/^1 of 1 pods updated, 0 ready: ReplicaSet "stuck-predictor-\w+" has timed out progressing$/) as unknown });
    expect(predictorCondition(stalled, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(kubectl(['events', '-n', ns.name, '--for', 'predictor/stuck'])).toMatch(/Warning\s+RolloutStalled/);
    kubectl(['delete', 'predictor', 'stuck', '-n', ns.name, '--wait=true']);
  });

  it('is removed with its Deployment and Service', async () => {
    kubectl(['delete', 'predictor', 'serve', '-n', ns.name, '--wait=true']);
    await waitFor('the Deployment and Service gone', async () => (await predictorDeployment(ns.name, 'serve')) === undefined && (await predictorService(ns.name, 'serve')) === undefined);
  });

  it('`tessera predict` names a missing Predictor as kubectl does', async () => {
    await expect(tesseraCli(['predict', 'nope', '--data', '/dev/null', '-n', ns.name])).rejects.toThrow(/\/dev\/null is not JSON/);
    const data = join(tmpdir(), `predict-${ns.name}.json`);
    await writeFile(data, '{"x": 1}');
    await expect(tesseraCli(['predict', 'nope', '--data', data, '-n', ns.name])).rejects.toThrow('Error from server (NotFound): predictors.tessera.dev "nope" not found');
  });
});
