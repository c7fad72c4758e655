import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { TesseraJob } from '../../src/api/job.ts';
import { installTessera, operatorLogs, uninstallTessera } from '../../scripts/demo/install.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { tesseraImage } from '../support/real-node.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// `tessera logs`: a run's log read back after its pod is gone. Only the real node serves pod logs
// (kwok serves none), so the run is a real container there, with Tessera installed by its chart: the
// transfer API saves the main container's log as the run's `logs` output when the run commits its
// outputs (a run without outputs has no push sidecar, so nothing commits and no log is saved).

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

const ns = useNamespace(import.meta.filename);
const { core } = kube();

beforeAll(() => {
  uninstallTessera();
  installTessera({ gcIntervalSeconds: 0 });
});
afterAll(() => {
  uninstallTessera();
});

const script = ['echo "hello from the run"', 'echo "second line" >&2', 'echo done > /tessera/outputs/out/result.txt', 'echo "third line"'].join('\n');

describe('tessera logs', () => {
  it("prints a finished Job's saved log after its pod and batch Job are deleted", async () => {
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'hello' }, spec: { image: tesseraImage, command: ['sh', '-c', script], outputs: [{ name: 'out' }], resources: { cpu: '250m', memory: '128Mi' } } }));
    const job = await waitFor('Job hello to finish', () => {
      const read = kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', 'hello');
      return ['Succeeded', 'Failed'].includes(read.status?.phase ?? '') ? read : undefined;
    }, 150_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\noperator log:\n${operatorLogs().slice(-4000)}`, { cause: error });
    });
    expect(job.status?.phase).toBe('Succeeded');
    const saved = job.status?.outputs?.find((o) => o.name === 'logs');
    expect(saved).toBeDefined();

    // The run's pod goes (with its batch Job): kubectl logs has nothing left to read.
    kubectl(['delete', 'jobs.batch', '-n', ns.name, '-l', 'tessera.dev/job=hello', '--cascade=foreground', '--wait=true']);
    await waitFor('the run\'s pods gone', async () => (await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'tessera.dev/job=hello' })).items.length === 0);
    expect(kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', 'hello').status?.phase).toBe('Succeeded');

    const text = await tesseraCli(['logs', 'hello', '-n', ns.name]);
    // Both streams, as kubectl logs shows them.
    for (const line of ['hello from the run', 'second line', 'third line']) expect(text).toContain(`${line}\n`);
    const json = JSON.parse(await tesseraCli(['logs', 'hello', '-n', ns.name, '-o', 'json'])) as { job: string; digest: string; log: string };
    expect(json).toMatchObject({ job: 'hello', namespace: ns.name, phase: 'Succeeded', digest: saved?.digest });
    expect(json.log).toBe(text);
  });

  it("prints the log of a ComputePlan's task as PLAN/TASK", async () => {
    const algo = { image: tesseraImage, command: ['sh', '-c', 'echo "greetings from a task"; echo ok > /tessera/outputs/model/m.txt'], category: 'aggregate', outputs: [{ name: 'model' }], resources: { cpu: '250m', memory: '128Mi' } };
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'greeter' }, spec: algo }));
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'greeting' }, spec: { tasks: [{ name: 'greet', algoRef: { name: 'greeter' }, inputs: [] }] } }));
    await waitFor('plan greeting to finish', () => {
      const phase = kubectlGet<{ status?: { phase?: string } }>(ns.name, 'computeplans.tessera.dev', 'greeting').status?.phase;
      if (phase === 'Failed') throw new Error(`plan greeting Failed:\n${kubectl(['get', '-n', ns.name, 'computeplans.tessera.dev,jobs.tessera.dev', '-o', 'yaml'])}`);
      return phase === 'Succeeded';
    }, 150_000);

    expect(await tesseraCli(['logs', 'greeting/greet', '-n', ns.name])).toContain('greetings from a task\n');
    const tree = JSON.parse(await tesseraCli(['plan', 'tree', 'greeting', '-n', ns.name, '-o', 'json'])) as { kind: string; items: Array<{ kind: string; status?: { phase?: string } }> };
    expect(tree.kind).toBe('List');
    expect(tree.items.map((item) => [item.kind, item.status?.phase])).toEqual([['ComputePlan', 'Succeeded'], ['Job', 'Succeeded']]);
  });
  it("gives a plan task's params to its container as /tessera/params.json, the same JSON as TESSERA_PARAMS", async () => {
    const script = 'cat /tessera/params.json; echo; echo "env $TESSERA_PARAMS"; echo "lr $TESSERA_PARAM_LR"; echo ok > /tessera/outputs/model/m.txt';
    const algo = { image: tesseraImage, command: ['sh', '-c', script], category: 'train', outputs: [{ name: 'model' }], resources: { cpu: '250m', memory: '128Mi' } };
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'tuned' }, spec: algo }));
    const task = { name: 'trial', algoRef: { name: 'tuned' }, inputs: [], params: { lr: 0.003, optimizer: 'adam', layers: 2 } };
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'tuning' }, spec: { tasks: [task] } }));
    await waitFor('plan tuning to finish', () => {
      const phase = kubectlGet<{ status?: { phase?: string } }>(ns.name, 'computeplans.tessera.dev', 'tuning').status?.phase;
      if (phase === 'Failed') throw new Error(`plan tuning Failed:\n${kubectl(['get', '-n', ns.name, 'computeplans.tessera.dev,jobs.tessera.dev', '-o', 'yaml'])}`);
      return phase === 'Succeeded';
    }, 150_000);

    const log = await tesseraCli(['logs', 'tuning/trial', '-n', ns.name]);
    const json = '{"layers":2,"lr":0.003,"optimizer":"adam"}';
    expect(log).toContain(`${json}\nenv ${json}\nlr 0.003\n`);
  });
});
