import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Algo } from '../../src/api/algo.ts';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { Dataset } from '../../src/api/dataset.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { applyPlan, examplePlan, followPlan, kubectl, prepareFederation, resetFederation, tessera, type Federation } from '../../scripts/demo/federated.ts';
import { installTessera, operatorLogs, uninstallTessera } from '../../scripts/demo/install.ts';
import { auditedWritesTo } from '../support/audit-log.ts';
import { clusterEnv } from '../support/cluster-env.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { workstationEnv } from '../support/tessera-cli.ts';
import { kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { tesseraImage } from '../support/real-node.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// The federated example in real containers on the real node, with Tessera installed by its chart:
// two hospitals train logistic regression on their own data, the aggregator averages the models,
// each hospital scores every average. Then the kernel's limits, as a Job's resources set them.

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

const ns = useNamespace(import.meta.filename);
let federation: Federation;
const startedAt = new Date();

beforeAll(async () => {
  installTessera({ gcIntervalSeconds: 0 });
  federation = examplePlan();
  resetFederation(federation);
  await prepareFederation(federation, tesseraImage, () => undefined);
}, 300_000);

afterAll(() => {
  // A beforeAll that failed early leaves nothing to reset.
  if (federation) resetFederation(federation);
  // An operator left in the cluster would reconcile beside the next test file's own.
  uninstallTessera();
});

function jobsOf(plan: ComputePlan): TesseraJob[] {
  const list = JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-A', '-l', `tessera.dev/plan-uid=${plan.metadata.uid}`, '-o', 'json'])) as { items: TesseraJob[] };
  return list.items;
}

function meanAccuracyByRound(plan: ComputePlan): number[] {
  const rows = (plan.status?.performances ?? []).filter((p) => p.metric === 'accuracy');
  const rounds = [...new Set(rows.map((p) => p.round ?? 0))].sort((a, b) => a - b);
  return rounds.map((round) => {
    const values = rows.filter((p) => p.round === round).map((p) => p.value);
    return values.reduce((sum, v) => sum + v, 0) / values.length;
  });
}

describe('the federated example', () => {
  it('trains across three namespaces in real containers, and the averaged model gets better every round', async () => {
    applyPlan();
    const plan = await followPlan(federation, () => undefined, 900_000);
    if (plan.status?.phase !== 'Succeeded') throw new Error(`plan ${plan.status?.phase}: ${JSON.stringify(plan.status?.conditions)}\n${operatorLogs().slice(-5000)}`);
    expect(plan.status).toMatchObject({ progress: '25/25', round: 5 });
    const accuracy = meanAccuracyByRound(plan);
    expect(accuracy).toHaveLength(5);
    for (let round = 1; round < accuracy.length; round++) expect(accuracy[round], `round ${round + 1} over round ${round}`).toBeGreaterThan(accuracy[round - 1]!);
    const board = tessera(['plan', 'leaderboard', federation.plan.metadata.name, '-n', federation.aggregator]);
    expect(board).toMatch(/^1\s+accuracy\s+0\.\d+\s+5\s+r5-test-\d/m);
  }, 900_000);

  it('was pushed by each organization as itself: a member with namespace-scoped roles, never the admin, and no store keys', async () => {
    const writers = async (namespace: string, resource: string, name: string): Promise<string[]> =>
      [...new Set((await auditedWritesTo({ apiGroup: 'tessera.dev', resource, namespace, name }, startedAt)).map((e) => e.user?.username ?? ''))];
    for (const hospital of federation.hospitals) expect(await writers(hospital, 'datasets', 'patients')).toEqual([`system:serviceaccount:${hospital}:member`]);
    expect(await writers(federation.aggregator, 'algos', 'train')).toEqual([`system:serviceaccount:${federation.aggregator}:member`]);
    expect(Object.keys(workstationEnv(clusterEnv().kubeconfig)).filter((name) => name.startsWith('TESSERA_S3_'))).toEqual([]);
  });

  it("runs on compute-only Datasets that approve exactly the training and evaluation code", () => {
    const runDigests = ['train', 'evaluate'].map((algo) => kubectlGet<Algo>(federation.aggregator, 'algos.tessera.dev', algo).status?.runDigest);
    for (const hospital of federation.hospitals) {
      const permissions = kubectlGet<Dataset>(hospital, 'datasets.tessera.dev', 'patients').spec.permissions;
      expect(permissions?.authorizedNamespaces).toEqual([federation.aggregator]);
      expect(permissions?.read).toBeUndefined();
      expect(permissions?.approvedCode).toEqual(runDigests);
    }
  });

  it("never let a hospital's data reach the aggregator: its runs read models only", () => {
    const plan = kubectlGet<ComputePlan>(federation.aggregator, 'computeplans.tessera.dev', federation.plan.metadata.name);
    const jobs = jobsOf(plan);
    const datasets = federation.hospitals.map((h) => kubectlGet<Dataset>(h, 'datasets.tessera.dev', 'patients').status?.digest);
    const trainOutputs = new Set(jobs.filter((j) => /-train-/.test(j.metadata.labels?.['tessera.dev/task'] ?? '')).flatMap((j) => (j.status?.outputs ?? []).map((o) => o.digest)));
    const inAggregator = jobs.filter((j) => j.metadata.namespace === federation.aggregator);
    expect(inAggregator.map((j) => j.metadata.labels?.['tessera.dev/task']).sort()).toEqual(['r1-aggregate', 'r2-aggregate', 'r3-aggregate', 'r4-aggregate', 'r5-aggregate']);
    for (const job of inAggregator) {
      // What the transfer API let the pod read is exactly status.inputs.
      const reads = (job.status?.inputs ?? []).map((i) => i.digest);
      expect(reads.length, job.metadata.name).toBe(federation.hospitals.length);
      expect(reads.every((d) => trainOutputs.has(d)), job.metadata.name).toBe(true);
      expect(reads.some((d) => datasets.includes(d)), job.metadata.name).toBe(false);
    }
    // Compute went to the data: every train and test run ran in its hospital's namespace.
    const elsewhere = jobs.filter((j) => /-(train|test)-/.test(j.metadata.labels?.['tessera.dev/task'] ?? '') && !federation.hospitals.includes(j.metadata.namespace ?? ''));
    expect(elsewhere).toEqual([]);
  });
});

function applyJob(name: string, spec: Record<string, unknown>): void {
  kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name }, spec }));
}

async function finished(name: string): Promise<TesseraJob> {
  return waitFor(`Job ${name} finished`, () => {
    const job = kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', name);
    return ['Succeeded', 'Failed'].includes(job.status?.phase ?? '') ? job : undefined;
  }, 150_000);
}

describe('the kernel enforces what a Job asks for', () => {
  it('kills a run that allocates past its memory limit: Failed/OOMKilled, no retry', async () => {
    const hog = 'const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1));';
    applyJob('hog', { image: tesseraImage, command: ['node', '-e', hog], resources: { cpu: '500m', memory: '96Mi' }, retries: 2 });
    const job = await finished('hog');
    expect(job.status).toMatchObject({ phase: 'Failed', reason: 'OOMKilled', attempts: 1, exitCode: 137 });
  }, 180_000);

  it("gives a run with cpu 500m a CFS quota of half a core in its own cgroup", async () => {
    const read = 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us > /tessera/outputs/cgroup/cpu.txt';
    applyJob('half-core', { image: tesseraImage, command: ['sh', '-c', read], resources: { cpu: '500m', memory: '128Mi' }, outputs: [{ name: 'cgroup' }] });
    const job = await finished('half-core');
    expect(job.status?.phase).toBe('Succeeded');
    const digest = job.status?.outputs?.find((o) => o.name === 'cgroup')?.digest ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cgroup-'));
    try {
      tessera(['fileset', 'pull', digest, dir, '-n', ns.name]);
      expect(readFileSync(join(dir, 'cpu.txt'), 'utf8').split('\n').slice(0, 2)).toEqual(['50000', '100000']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
