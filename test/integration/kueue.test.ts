import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { sampleGpus, useTestQueue } from '../support/kueue.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// Tessera behind the real Kueue (started by `TESSERA_KUEUE=1 scripts/cluster.sh up`): two
// organization namespaces share a ClusterQueue of 8 GPUs on the kwok GPU pool (16 GPUs of nodes, so
// the quota, not the nodes, is what holds Jobs back). Pods on kwok run for sim.tessera.dev/run-for.

beforeAll(() => awaitLatePart('kueue'), latePartWaitMs);

const orgA = useNamespace(import.meta.filename, 'org-a');
const orgB = useNamespace(import.meta.filename, 'org-b');
const namespaces = [orgA.name, orgB.name];
const queue = useTestQueue([orgA, orgB], 8);
const { batch } = kube();
let operator: RunningOperator;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('kueue');
});
afterAll(async () => {
  await operator?.stop();
});

interface QueuedJob {
  namespace: string;
  name: string;
  gpus: number;
  runFor: string;
  priorityClassName?: string;
  retries?: number;
}

function applyJob(job: QueuedJob): void {
  const spec = { image: 'local/sim:1', queueName: queue.localQueue, resources: { cpu: '1', memory: '1Gi', gpu: job.gpus }, priorityClassName: job.priorityClassName, retries: job.retries };
  const metadata = { name: job.name, annotations: { 'sim.tessera.dev/run-for': job.runFor } };
  kubectlApply(job.namespace, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata, spec }));
}

const getJob = (namespace: string, name: string): TesseraJob => kubectlGet<TesseraJob>(namespace, 'jobs.tessera.dev', name);

async function waitForJob(which: { namespace: string; name: string }, what: string, check: (job: TesseraJob) => boolean, timeoutMs = 90_000): Promise<TesseraJob> {
  return waitFor(`Job ${which.namespace}/${which.name} ${what}`, () => {
    const job = getJob(which.namespace, which.name);
    return check(job) ? job : undefined;
  }, timeoutMs);
}

describe('Tessera Jobs under Kueue', () => {
  it('queues two organizations\' Jobs with Kueue\'s reason and admits them within the 8-GPU quota', async () => {
    const jobs = namespaces.flatMap((namespace) => ['a', 'b', 'c'].map((n) => ({ namespace, name: `train-${n}`, gpus: 4, runFor: '8s' })));
    const sampler = sampleGpus(namespaces);
    for (const job of jobs) applyJob(job);

    // 24 GPUs asked of 8: some Job waits, and says so in Kueue's words (which resource, which flavor).
    // Three waves of 8 s: the later ones wait long enough to be seen, even on a busy API server.
    const queued = await waitFor('a Job Queued with Kueue\'s reason', () =>
      namespaces
        .flatMap((namespace) => (JSON.parse(kubectl(['get', '-n', namespace, 'jobs.tessera.dev', '-o', 'json'])) as { items: TesseraJob[] }).items)
        .find((j) => j.status?.phase === 'Queued' && /insufficient.*nvidia\.com\/gpu.*flavor gpu/.test(j.status.message ?? '')),
    );
    expect(queued.status).toMatchObject({ reason: 'Queued', message: expect.stringMatching(/^waiting for admission by queue gpus: couldn't assign flavors/) as unknown });

    for (const job of jobs) {
      const done = await waitForJob(job, 'to succeed', (j) => j.status?.phase === 'Succeeded', 120_000);
      expect(done.status).toMatchObject({ reason: 'Completed', attempts: 1 });
    }
    const samples = await sampler.stop();
    // Never more than the quota at once, and the quota was used: two 4-GPU Jobs ran side by side.
    expect(Math.max(...samples)).toBe(8);
  });

  it('preempts a low-priority run for a higher one; the preempted run says who, then succeeds with its retries untouched', async () => {
    const low = { namespace: orgA.name, name: 'long-sweep', gpus: 8, runFor: '8s', priorityClassName: queue.low, retries: 0 };
    const high = { namespace: orgB.name, name: 'urgent', gpus: 8, runFor: '3s', priorityClassName: queue.high };
    const sampler = sampleGpus(namespaces);
    applyJob(low);
    await waitForJob(low, 'to run', (j) => j.status?.phase === 'Running');
    applyJob(high);

    const preempted = await waitForJob(low, 'to be Preempted', (j) => j.status?.reason === 'Preempted');
    expect(preempted.status).toMatchObject({ phase: 'Queued', message: expect.stringMatching(new RegExp(`^preempted by Job ${high.namespace}/urgent \\(Preempted to accommodate a workload`)) as unknown });

    const urgent = await waitForJob(high, 'to succeed', (j) => j.status?.phase === 'Succeeded');
    const sweep = await waitForJob(low, 'to succeed after the preemption', (j) => j.status?.phase === 'Succeeded');
    expect(urgent.status).toMatchObject({ reason: 'Completed', attempts: 1 });
    // retries: 0, so a preemption counted as a failed attempt would have failed it for good.
    expect(sweep.status).toMatchObject({ reason: 'Completed', attempts: 1 });
    const [batchJob] = (await batch.listNamespacedJob({ namespace: low.namespace, labelSelector: `tessera.dev/job=${low.name}` })).items;
    expect(batchJob?.status?.failed ?? 0).toBe(0);
    expect(Math.max(...(await sampler.stop()))).toBeLessThanOrEqual(8);
  });
  it("sends every task of a plan with queueName through the queue: the plan counts them queued, and the quota holds", async () => {
    kubectlApply(orgA.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'train' }, spec: { image: 'local/sim:1', category: 'train' } }));
    const tasks = ['t1', 't2', 't3', 't4'].map((name) => ({ name, algoRef: { name: 'train' }, inputs: [], resources: { cpu: '1', memory: '1Gi', gpu: 4 } }));
    const metadata = { name: 'queued-plan', annotations: { 'sim.tessera.dev/run-for': '8s' } };
    const sampler = sampleGpus([orgA.name]);
    kubectlApply(orgA.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata, spec: { tasks, queueName: queue.localQueue } }));

    const getPlan = (): ComputePlan => kubectlGet<ComputePlan>(orgA.name, 'computeplans.tessera.dev', 'queued-plan');
    // 16 GPUs asked of 8: while two run, the others wait in the queue, and the plan counts them.
    const waiting = await waitFor('the plan counting queued tasks', () => {
      const plan = getPlan();
      return (plan.status?.counts?.queued ?? 0) >= 1 && (plan.status?.counts?.running ?? 0) >= 1 ? plan : undefined;
    }, 90_000);
    expect(waiting.status?.phase).toBe('Running');
    const plan = await waitFor('the plan to succeed', () => (getPlan().status?.phase === 'Succeeded' ? getPlan() : undefined), 150_000);
    expect(plan.status?.counts).toMatchObject({ total: 4, succeeded: 4 });
    const jobs = (JSON.parse(kubectl(['get', '-n', orgA.name, 'jobs.tessera.dev', '-l', 'tessera.dev/plan=queued-plan', '-o', 'json'])) as { items: TesseraJob[] }).items;
    expect(jobs.map((j) => j.spec.queueName)).toEqual(Array<string>(4).fill(queue.localQueue));
    expect(Math.max(...(await sampler.stop()))).toBe(8);
  });
});
