import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { batchJobName } from '../../src/controllers/job/names.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { sampleGpus, useTestQueue } from '../support/kueue.ts';
import { watchAdmissions } from '../support/kueue-admissions.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// A 500-task plan behind the real Kueue with a 16-GPU quota, on the kwok GPU pool (16 GPUs of
// nodes): the plan creates all 500 Jobs at once (no parallelism), so Kueue alone decides what runs.
// Every task's run must be admitted exactly once (a watch on the Workloads counts admissions), and
// sampled pods must never hold more than the quota.

beforeAll(() => awaitLatePart('kueue'), latePartWaitMs);

const tasks = 500;
const gpus = 16;
const org = useNamespace(import.meta.filename, 'org');
// StrictFIFO: 500 identical Workloads, and BestEffortFIFO would try every pending one again each
// time one finishes (quadratic work for Kueue, which is not what this measures).
const queue = useTestQueue([org], gpus, 'StrictFIFO');
let operator: RunningOperator;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('kueue-plan-quota', ['--workers', '16', '--qps', '200', '--burst', '400']);
});
afterAll(async () => {
  await operator?.stop();
});

describe('a 500-task plan under a 16-GPU Kueue quota', () => {
  it('finishes with every task admitted once, never more than 16 GPUs in use', async () => {
    const admissions = await watchAdmissions(org.name);
    const sampler = sampleGpus([org.name], 500);
    const started = Date.now();
    try {
      kubectlApply(org.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'train' }, spec: { image: 'local/sim:1', category: 'train' } }));
      const planTasks = Array.from({ length: tasks }, (_, i) => ({ name: `t${i}`, algoRef: { name: 'train' }, inputs: [], resources: { cpu: '100m', memory: '64Mi', gpu: 1 } }));
      // Short runs: what this measures is admission, not the work (kwok plays the pods).
      const metadata = { name: 'big', annotations: { 'sim.tessera.dev/run-for': '200ms' } };
      kubectlApply(org.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata, spec: { tasks: planTasks, queueName: queue.localQueue } }));

      const getPlan = (): ComputePlan => kubectlGet<ComputePlan>(org.name, 'computeplans.tessera.dev', 'big');
      const waiting = await waitFor('the plan counting most of its tasks queued', () => {
        const plan = getPlan();
        return (plan.status?.counts?.queued ?? 0) >= tasks / 2 ? plan : undefined;
      }, 120_000);
      expect(waiting.status?.phase).toBe('Running');
      let lastReport = 0;
      const plan = await waitFor('the plan to succeed', () => {
        const p = getPlan();
        if (Date.now() - lastReport > 15_000) {
          lastReport = Date.now();
          console.log(`${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(p.status?.counts)}`);
        }
        if (p.status?.phase === 'Failed') throw new Error(`plan failed: ${JSON.stringify(p.status)}`);
        return p.status?.phase === 'Succeeded' ? p : undefined;
      }, 840_000);
      expect(plan.status?.counts).toMatchObject({ total: tasks, succeeded: tasks });
    } finally {
      admissions.stop();
      console.log(`500-task plan under a ${gpus}-GPU quota: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const samples = await sampler.stop();

    // Each task ran once: one Tessera Job each, on its first run, with one attempt.
    // Through the API, not kubectl: 500 Jobs' JSON is more than kubectl's output buffer here.
    const custom = kube().config.makeApiClient(k8s.CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural: 'jobs', namespace: org.name, labelSelector: 'tessera.dev/plan=big' })) as { items: TesseraJob[] };
    const jobs = list.items;
    expect(jobs).toHaveLength(tasks);
    expect(jobs.filter((j) => j.status?.attempts !== 1 || (j.status?.run ?? 0) !== 0).map((j) => j.metadata.name)).toEqual([]);

    // Kueue admitted each task's batch Job through one Workload, once: 500 Workloads, 500 admissions.
    const expected = new Set(jobs.map((j) => `Job/${batchJobName(j.metadata.name, j.metadata.uid ?? '', 0)}`));
    const admittedOwners = [...admissions.admissions.keys()].flatMap((name) => admissions.owners.get(name) ?? []);
    expect(admissions.owners.size).toBe(tasks);
    expect([...admissions.admissions.values()].filter((n) => n !== 1)).toEqual([]);
    expect(new Set(admittedOwners)).toEqual(expected);
    expect(admittedOwners).toHaveLength(tasks);

    // The quota held (and the sampler saw the runs). With 200 ms runs, Kueue's own delay between
    // admitting a Workload and starting its batch Job keeps fewer than 16 running at once here; that
    // the quota, not the nodes, held the rest back the queued count above already shows.
    console.log(`GPU samples: ${samples.length}, most at once ${Math.max(...samples)}`);
    expect(Math.max(...samples)).toBeLessThanOrEqual(gpus);
    expect(Math.max(...samples)).toBeGreaterThan(0);
  }, 900_000);
});
