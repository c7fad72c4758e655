import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { writeFederatedOutputs } from '../support/federated-outputs.ts';
import { useTestQueue } from '../support/kueue.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// A fedAvg round admitted whole (spec.roundAdmission: Whole) behind the real Kueue: the round's
// three trainers in one organization ask 4 GPUs each, 12 in all, of a ClusterQueue of 8. Kueue
// admits them as one pod group or not at all, so none runs, not even the two that would fit, until
// the quota is raised to 12; then all three run at once.

beforeAll(() => awaitLatePart('kueue'), latePartWaitMs);

const planNs = useNamespace(import.meta.filename, 'agg');
const site = useNamespace(import.meta.filename, 'site');
const queue = useTestQueue([planNs, site], 8);
const { core } = kube();
let operator: RunningOperator;
let sim: MoverSim;
let scratch = '';

function apply(namespace: string, kind: string, metadata: { name: string; annotations?: Record<string, string> }, spec: unknown): void {
  kubectlApply(namespace, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata, spec }));
}

/** Kueue's pod webhook is installed only when the running Kueue manages pods (scripts/cluster/kueue.sh). */
function requirePodIntegration(): void {
  const hooks = kubectl(['get', 'mutatingwebhookconfigurations', 'kueue-mutating-webhook-configuration', '-o', 'jsonpath={.webhooks[*].name}']);
  if (!hooks.split(' ').includes('mpod.kb.io')) {
    throw new Error("the local cluster's Kueue was started before it managed pods (Kueue pod groups): `scripts/cluster.sh restart kueue` restarts it with the current configuration");
  }
}

beforeAll(async () => {
  requirePodIntegration();
  installCrds();
  scratch = await mkdtemp(join(tmpdir(), 'tessera-round-'));
  operator = await startOperator('kueue-round-admission');
  sim = startMoverSim({ namespaces: [planNs.name, site.name], transferUrl: operator.transferUrl, write: writeFederatedOutputs });
  const gpus = (n: number): object => ({ cpu: '1', memory: '1Gi', gpu: n });
  apply(planNs.name, 'Algo', { name: 'train' }, { image: 'local/sim:1', category: 'train', inputs: [{ name: 'data' }, { name: 'model', optional: true }], outputs: [{ name: 'model' }], resources: gpus(4) });
  apply(planNs.name, 'Algo', { name: 'aggregate' }, { image: 'local/sim:1', category: 'aggregate', outputs: [{ name: 'model' }], resources: gpus(1) });
  const dir = await mkdtemp(join(scratch, 'data-'));
  await writeFile(join(dir, 'samples.csv'), 'x,1\n');
  await tesseraCli(['dataset', 'push', dir, '--name', 'site-data', '-n', site.name, '--authorize', planNs.name]);
});
afterAll(async () => {
  await sim?.stop();
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const trainerPods = async (): Promise<Array<{ name: string; gated: boolean; phase: string; node?: string }>> =>
  (await core.listNamespacedPod({ namespace: site.name, labelSelector: 'kueue.x-k8s.io/pod-group-name' })).items.map((pod) => ({
    name: pod.metadata?.name ?? '',
    gated: (pod.spec?.schedulingGates ?? []).some((g) => g.name === 'kueue.x-k8s.io/admission'),
    phase: pod.status?.phase ?? '',
    node: pod.spec?.nodeName,
  }));

/** Samples how many trainer pods are on a node at once (gated pods hold no GPU yet) until stopped. */
function sampleScheduledTrainers(): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push((await trainerPods()).filter((p) => p.node && p.phase !== 'Succeeded' && p.phase !== 'Failed').length);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

describe('a round admitted whole', () => {
  it('runs none of its trainers while the quota cannot hold them all, then all of them at once', async () => {
    const trainers = [0, 1, 2].map(() => ({ namespace: site.name, datasetRef: { name: 'site-data' } }));
    const strategy = { fedAvg: { rounds: 1, trainers, trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'aggregate' } } };
    const sampler = sampleScheduledTrainers();
    apply(planNs.name, 'ComputePlan', { name: 'fl', annotations: { 'sim.tessera.dev/run-for': '4s' } }, { strategy, queueName: queue.localQueue, roundAdmission: 'Whole' });

    // All three pods exist, held by Kueue's gate; their one Workload says why (8 GPUs of 12).
    await waitFor('three gated trainer pods', async () => {
      const pods = await trainerPods();
      return pods.length === 3 && pods.every((p) => p.gated) ? pods : undefined;
    }, 90_000);
    const workload = await waitFor("the round's Workload saying it does not fit", () => {
      const list = JSON.parse(kubectl(['get', 'workloads.kueue.x-k8s.io', '-n', site.name, '-o', 'json'])) as {
        items: Array<{ spec: { podSets: Array<{ count: number }> }; status?: { conditions?: Array<{ type: string; status: string; message?: string }> } }>;
      };
      const [only] = list.items;
      const pending = only?.status?.conditions?.find((c) => c.type === 'QuotaReserved' && c.status === 'False' && /insufficient.*nvidia\.com\/gpu/.test(c.message ?? ''));
      return list.items.length === 1 && pending ? only : undefined;
    }, 60_000);
    expect(workload?.spec.podSets.reduce((sum, ps) => sum + ps.count, 0)).toBe(3);

    // Held for a while: none of them runs, not even two (which 8 GPUs would fit), and they say why.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect((await trainerPods()).filter((p) => !p.gated || p.phase !== 'Pending')).toEqual([]);
    const jobs = (JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-n', site.name, '-o', 'json'])) as { items: TesseraJob[] }).items;
    expect(jobs.map((j) => j.status?.phase)).toEqual(['Queued', 'Queued', 'Queued']);
    expect(jobs[0]?.status?.message).toMatch(/^waiting for admission by queue gpus with the 3 pods of group fl-r1-[0-9a-f]{8} \(all or none\)$/);
    const plan = kubectlGet<ComputePlan>(planNs.name, 'computeplans.tessera.dev', 'fl');
    expect(plan.status?.counts).toMatchObject({ total: 4, queued: 3 });
    expect(Math.max(...(await sampler.stop()))).toBe(0);

    // Room for all three: Kueue admits the group, and the three run side by side.
    const running = sampleScheduledTrainers();
    kubectl(['patch', 'clusterqueues.kueue.x-k8s.io', queue.clusterQueue, '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/resourceGroups/0/flavors/0/resources/2/nominalQuota', value: 12 }])]);
    const done = await waitFor('the plan to finish', () => {
      const p = kubectlGet<ComputePlan>(planNs.name, 'computeplans.tessera.dev', 'fl');
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
    }, 120_000);
    expect(sim.failures).toEqual(new Map());
    expect(done.status).toMatchObject({ phase: 'Succeeded', counts: { total: 4, succeeded: 4 } });
    expect(Math.max(...(await running.stop()))).toBe(3);
    const trained = (JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-n', site.name, '-o', 'json'])) as { items: TesseraJob[] }).items;
    // Admission is not an attempt: each trainer ran once.
    expect(trained.map((j) => j.status?.attempts)).toEqual([1, 1, 1]);
  }, 240_000);
});
