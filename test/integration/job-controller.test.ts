import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../src/api/job.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';

// The Job kind end to end, driven the way a user drives it: `kubectl apply`, then read status back.
// Pods run on kwok nodes, whose behaviour the sim.tessera.dev annotations choose.

const ns = useNamespace(import.meta.filename);
const { core, batch } = kube();
let operator: RunningOperator;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('job-controller');
});
afterAll(async () => {
  await operator?.stop();
});

interface JobManifest {
  name: string;
  spec: Record<string, unknown>;
  annotations?: Record<string, string>;
}

function applyJob({ name, spec, annotations }: JobManifest): void {
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name, annotations }, spec }));
}

function getJob(name: string): TesseraJob {
  return kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', name);
}

async function waitForPhase(name: string, phases: string[], timeoutMs = 60_000): Promise<TesseraJob> {
  return waitFor(`Job ${name} to reach ${phases.join(' or ')}`, () => {
    const job = getJob(name);
    return phases.includes(job.status?.phase ?? '') ? job : undefined;
  }, timeoutMs);
}

async function batchJobsOf(name: string): Promise<number> {
  const list = await batch.listNamespacedJob({ namespace: ns.name, labelSelector: `tessera.dev/job=${name}` });
  return list.items.length;
}

describe('the Job controller', () => {
  it('runs a GPU job on a GPU node to Succeeded', async () => {
    applyJob({ name: 'gpu-train', spec: { image: 'local/sim:1', resources: { cpu: '2', memory: '4Gi', gpu: 2 } } });

    const job = await waitForPhase('gpu-train', ['Succeeded']);
    expect(job.status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', attempts: 1, exitCode: 0 });
    const node = await core.readNode({ name: job.status!.nodeName! });
    expect(node.metadata?.labels?.['tessera.dev/pool']).toBe('gpu');
    expect(job.status!.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(job.status!.observedGeneration).toBe(1);
    expect(kubectl(['get', '-n', ns.name, 'tessera'])).toMatch(/gpu-train\s+Succeeded/);
  });

  it.each([
    { pool: 'mig', resources: { cpu: '1', accelerator: { resource: 'nvidia.com/mig-1g.10gb', count: 2 } } },
    { pool: 'amd', resources: { cpu: '1', accelerator: { resource: 'amd.com/gpu', count: 1, product: 'AMD-Instinct-MI300X' } } },
  ])('runs a job asking for $resources.accelerator.resource only on the $pool pool', async ({ pool, resources }) => {
    const name = `accel-${pool}`;
    applyJob({ name, spec: { image: 'local/sim:1', resources } });
    const job = await waitForPhase(name, ['Succeeded']);
    const node = await core.readNode({ name: job.status!.nodeName! });
    expect(node.metadata?.labels?.['tessera.dev/pool']).toBe(pool);
    const [batchJob] = (await batch.listNamespacedJob({ namespace: ns.name, labelSelector: `tessera.dev/job=${name}` })).items;
    const main = batchJob!.spec!.template.spec!.containers.find((c) => c.name === 'main');
    expect(main?.resources?.limits?.[resources.accelerator.resource]).toBe(String(resources.accelerator.count));
  });

  it('refuses gpu and accelerator together as InvalidSpec, starting nothing', async () => {
    applyJob({ name: 'two-kinds', spec: { image: 'local/sim:1', resources: { gpu: 1, accelerator: { resource: 'amd.com/gpu', count: 1 } } } });
    const job = await waitForPhase('two-kinds', ['Failed']);
    expect(job.status).toMatchObject({ reason: 'InvalidSpec', message: expect.stringMatching(/gpu or accelerator, not both/) as unknown });
    expect(await batchJobsOf('two-kinds')).toBe(0);
  });

  it('keeps a job asking more GPUs than any node has Pending as Unschedulable, with the scheduler message', async () => {
    applyJob({ name: 'too-many-gpus', spec: { image: 'local/sim:1', resources: { gpu: 16 } } });

    const job = await waitFor('reason Unschedulable', () => {
      const j = getJob('too-many-gpus');
      return j.status?.reason === 'Unschedulable' ? j : undefined;
    });
    expect(job.status?.phase).toBe('Pending');
    expect(job.status?.message).toMatch(/Insufficient nvidia\.com\/gpu/);
  });

  it('fails an OOMKilled job at once, without retries', async () => {
    applyJob({
      name: 'oom',
      spec: { image: 'local/sim:1', retries: 3, resources: { memory: '1Gi' } },
      annotations: { 'sim.tessera.dev/exit-code': '137', 'sim.tessera.dev/reason': 'OOMKilled', 'sim.tessera.dev/run-for': '500ms' },
    });

    const job = await waitForPhase('oom', ['Failed', 'Succeeded']);
    expect(job.status).toMatchObject({ phase: 'Failed', reason: 'OOMKilled', attempts: 1, exitCode: 137 });
  });

  it('retries a job exiting 1 up to the limit, then fails it', async () => {
    applyJob({
      name: 'exit-1',
      spec: { image: 'local/sim:1', retries: 2 },
      annotations: { 'sim.tessera.dev/exit-code': '1', 'sim.tessera.dev/run-for': '300ms' },
    });

    const job = await waitForPhase('exit-1', ['Failed', 'Succeeded'], 90_000);
    expect(job.status).toMatchObject({ phase: 'Failed', reason: 'BackoffLimitExceeded', attempts: 3, exitCode: 1 });
  });

  it('fails a job that outlives its timeout as DeadlineExceeded', async () => {
    applyJob({ name: 'slow', spec: { image: 'local/sim:1', timeoutSeconds: 2 }, annotations: { 'sim.tessera.dev/run-for': '60s' } });

    const job = await waitForPhase('slow', ['Failed', 'Succeeded']);
    expect(job.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
  });

  it('cancels a running job: Canceled, with its batch Job and pods gone', async () => {
    applyJob({ name: 'to-cancel', spec: { image: 'local/sim:1' }, annotations: { 'sim.tessera.dev/run-for': '120s' } });
    await waitForPhase('to-cancel', ['Running']);

    kubectl(['patch', '-n', ns.name, 'jobs.tessera.dev', 'to-cancel', '--type=merge', '-p', '{"spec":{"cancel":true}}']);

    const job = await waitForPhase('to-cancel', ['Canceled']);
    expect(job.status?.reason).toBe('Canceled');
    expect(await batchJobsOf('to-cancel')).toBe(0);
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'tessera.dev/job=to-cancel' });
    expect(pods.items).toHaveLength(0);
  });

  it('does not restart a run when its spec changes after the start, and says so', async () => {
    applyJob({ name: 'edited', spec: { image: 'local/sim:1' }, annotations: { 'sim.tessera.dev/run-for': '3s' } });
    await waitForPhase('edited', ['Running']);

    applyJob({ name: 'edited', spec: { image: 'local/sim:2' }, annotations: { 'sim.tessera.dev/run-for': '3s' } });

    const job = await waitFor('SpecApplied=False', () => {
      const j = getJob('edited');
      return j.status?.conditions?.some((c) => c.type === 'SpecApplied' && c.status === 'False') ? j : undefined;
    });
    expect(job.status?.observedGeneration).toBe(2);
    expect(await batchJobsOf('edited')).toBe(1);
    expect((await waitForPhase('edited', ['Succeeded'])).status?.attempts).toBe(1);
  });
});
