import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { holdingKey } from '../../src/storage/access.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { writeFederatedOutputs } from '../support/federated-outputs.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { namespaceUid } from '../support/namespace-uids.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { isStored } from '../support/store-admin.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// ComputePlans as a federation runs them: the plan and its Algos in the aggregator's namespace,
// each trainer's Dataset in its own namespace, authorizing the plan's. Pods run on kwok nodes; the
// mover simulator plays the kubelet for Tessera's containers and writes what each task's code would.

const orgA = useNamespace(import.meta.filename, 'a');
const orgB = useNamespace(import.meta.filename, 'b');
const orgC = useNamespace(import.meta.filename, 'c');
const { core } = kube();
let operator: RunningOperator;
let sim: MoverSim;
let scratch = '';

function apply(namespace: string, kind: string, name: string, spec: unknown): void {
  kubectlApply(namespace, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata: { name }, spec }));
}

function applyAlgos(namespace: string): void {
  apply(namespace, 'Algo', 'train', { image: 'local/sim:1', category: 'train', inputs: [{ name: 'data' }, { name: 'model', optional: true }], outputs: [{ name: 'model' }] });
  apply(namespace, 'Algo', 'aggregate', { image: 'local/sim:1', category: 'aggregate', outputs: [{ name: 'model' }] });
  apply(namespace, 'Algo', 'evaluate', { image: 'local/sim:1', category: 'metric', inputs: [{ name: 'data' }, { name: 'model' }], outputs: [{ name: 'performance' }] });
  // Substra's composite tasks: a shared trunk (model) and a local head.
  apply(namespace, 'Algo', 'composite', { image: 'local/sim:1', category: 'train', inputs: [{ name: 'data' }, { name: 'model', optional: true }, { name: 'head', optional: true }], outputs: [{ name: 'model' }, { name: 'head' }] });
  apply(namespace, 'Algo', 'evaluate-composite', { image: 'local/sim:1', category: 'metric', inputs: [{ name: 'data' }, { name: 'model' }, { name: 'head' }], outputs: [{ name: 'performance' }] });
}

async function pushDataset(namespace: string, name: string, authorize: string[]): Promise<void> {
  const dir = await mkdtemp(join(scratch, `${name}-`));
  await writeFile(join(dir, 'samples.csv'), `${namespace},${Math.random()}\n`);
  await tesseraCli(['dataset', 'push', dir, '--name', name, '-n', namespace, ...(authorize.length ? ['--authorize', authorize.join(',')] : [])]);
}

const getPlan = (namespace: string, name: string): ComputePlan => kubectlGet<ComputePlan>(namespace, 'computeplans.tessera.dev', name);

async function planIn(namespace: string, name: string, phases: string[], timeoutMs = 120_000): Promise<ComputePlan> {
  return waitFor(`plan ${name} in ${phases.join('/')}`, () => {
    const plan = getPlan(namespace, name);
    return phases.includes(plan.status?.phase ?? '') ? plan : undefined;
  }, timeoutMs);
}

function jobsOfPlan(name: string): TesseraJob[] {
  const list = JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-A', '-l', `tessera.dev/plan=${name}`, '-o', 'json'])) as { items: TesseraJob[] };
  return list.items;
}

function fedAvg(rounds: number, trainers: Array<{ namespace: string; dataset: string }>): Record<string, unknown> {
  return {
    strategy: {
      fedAvg: {
        rounds,
        trainers: trainers.map((t) => ({ namespace: t.namespace, datasetRef: { name: t.dataset } })),
        trainAlgo: { name: 'train' },
        aggregateAlgo: { name: 'aggregate' },
        testAlgo: { name: 'evaluate' },
      },
    },
  };
}

const hospitals = (): Array<{ namespace: string; datasetRef: { name: string } }> => [
  { namespace: orgB.name, datasetRef: { name: 'hospital-b' } },
  { namespace: orgC.name, datasetRef: { name: 'hospital-c' } },
];

/** The digest a Job read as `input`, or wrote as `output`. */
const inputDigest = (job: TesseraJob | undefined, input: string): string | undefined => job?.spec.inputs?.find((i) => i.name === input)?.fileSet?.digest;
const outputDigest = (job: TesseraJob | undefined, output: string): string | undefined => job?.status?.outputs?.find((o) => o.name === output)?.digest;
const taskOf = (jobs: readonly TesseraJob[], task: string): TesseraJob | undefined => jobs.find((j) => j.metadata.labels?.['tessera.dev/task'] === task);

function createdAt(job: TesseraJob): number {
  return new Date((job.metadata as { creationTimestamp?: string }).creationTimestamp ?? 0).getTime();
}

/** Every Job was created after the Jobs whose outputs it reads had completed (within a second). */
function expectDependencyOrder(jobs: readonly TesseraJob[]): void {
  const producerOf = (digest: string | undefined): TesseraJob | undefined => jobs.find((p) => p.status?.outputs?.some((o) => o.digest === digest));
  for (const job of jobs) {
    for (const input of (job.spec.inputs ?? []).filter((i) => i.fileSet)) {
      const finished = new Date(producerOf(input.fileSet?.digest)?.status?.completionTime ?? Infinity).getTime();
      expect(finished, `${job.metadata.name} reads ${input.name}`).toBeLessThanOrEqual(createdAt(job) + 1000);
    }
  }
}

beforeAll(async () => {
  installCrds();
  scratch = await mkdtemp(join(tmpdir(), 'tessera-plans-'));
  operator = await startOperator('compute-plans');
  sim = startMoverSim({ namespaces: [orgA.name, orgB.name, orgC.name], transferUrl: operator.transferUrl, write: writeFederatedOutputs });
  applyAlgos(orgA.name);
  await pushDataset(orgB.name, 'hospital-b', [orgA.name]);
  await pushDataset(orgC.name, 'hospital-c', [orgA.name]);
});
afterAll(async () => {
  await sim?.stop();
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a federated-averaging ComputePlan', () => {
  it('trains over three namespaces for three rounds in dependency order, with a performance per round', async () => {
    apply(orgA.name, 'ComputePlan', 'fl', fedAvg(3, [{ namespace: orgB.name, dataset: 'hospital-b' }, { namespace: orgC.name, dataset: 'hospital-c' }]));

    const plan = await planIn(orgA.name, 'fl', ['Succeeded', 'Failed'], 240_000);
    expect(sim.failures).toEqual(new Map());
    expect(plan.status).toMatchObject({ phase: 'Succeeded', progress: '15/15', round: 3, counts: { total: 15, succeeded: 15 } });
    const rounds = (plan.status?.performances ?? []).map((p) => p.round);
    expect(new Set(rounds)).toEqual(new Set([1, 2, 3]));
    expect(plan.status?.performances?.[0]).toMatchObject({ metric: 'accuracy', round: 3 });

    // Compute went to the data: trainers and tests ran in the trainers' namespaces, aggregation in A.
    const jobs = jobsOfPlan('fl');
    const where = (task: string): string | undefined => jobs.find((j) => j.metadata.labels?.['tessera.dev/task'] === task)?.metadata.namespace;
    expect([where('r1-train-0'), where('r1-train-1'), where('r2-aggregate'), where('r3-test-1')]).toEqual([orgB.name, orgC.name, orgA.name, orgC.name]);
    // Dependency order: every Job was created after each Job it read from had completed.
    expectDependencyOrder(jobs);
    expect(new Set(jobs.map((j) => j.metadata.labels?.['tessera.dev/task'])).size).toBe(15);
    const table = kubectl(['get', 'cplan', '-n', orgA.name]);
    expect(table).toMatch(/^NAME\s+PHASE\s+PROGRESS\s+ROUND\s+BEST\s+AGE/);
    expect(table).toMatch(/fl\s+Succeeded\s+15\/15\s+3\s+accuracy=/);
  }, 300_000);

  it('shows its tree and its leaderboard through the CLI', async () => {
    const tree = await tesseraCli(['plan', 'tree', 'fl', '-n', orgA.name]);
    expect(tree).toMatch(/r1-train-0 .*Succeeded/);
    expect(tree).toMatch(/r3-aggregate .*Succeeded/);
    const board = await tesseraCli(['plan', 'leaderboard', 'fl', '-n', orgA.name]);
    expect(board.split('\n')[0]).toMatch(/^RANK\s+METRIC\s+VALUE\s+ROUND\s+TASK\s+NAMESPACE/);
    expect(board).toMatch(/^1\s+accuracy\s+0\.81\s+3\s+r3-test-1/m);
  });
});

describe('strategies beyond fedAvg', () => {
  it('cyclic: the model visits each organization in turn, each round, where its data is', async () => {
    apply(orgA.name, 'ComputePlan', 'cyc', { strategy: { cyclic: { rounds: 2, trainers: hospitals(), trainAlgo: { name: 'train' }, testAlgo: { name: 'evaluate' } } } });
    const plan = await planIn(orgA.name, 'cyc', ['Succeeded', 'Failed'], 240_000);
    expect(plan.status?.phase).toBe('Succeeded');
    expect(plan.status?.counts?.total).toBe(8);
    const jobs = jobsOfPlan('cyc');
    expect(jobs.map((j) => j.metadata.labels?.['tessera.dev/task']).filter((t) => t?.includes('aggregate'))).toEqual([]);
    expectDependencyOrder(jobs);
    // r1: B then C; r2 starts in B from C's model; each round's tests score C's last model.
    expect(inputDigest(taskOf(jobs, 'r1-train-1'), 'model')).toBe(outputDigest(taskOf(jobs, 'r1-train-0'), 'model'));
    expect(inputDigest(taskOf(jobs, 'r2-train-0'), 'model')).toBe(outputDigest(taskOf(jobs, 'r1-train-1'), 'model'));
    expect(inputDigest(taskOf(jobs, 'r2-test-0'), 'model')).toBe(outputDigest(taskOf(jobs, 'r2-train-1'), 'model'));
    expect([taskOf(jobs, 'r1-train-0'), taskOf(jobs, 'r1-train-1'), taskOf(jobs, 'r2-test-1')].map((j) => j?.metadata.namespace)).toEqual([orgB.name, orgC.name, orgC.name]);
    expect(plan.status?.performances?.[0]).toMatchObject({ metric: 'accuracy', round: 2 });
  }, 300_000);

  it("personalized: trunks are averaged, each organization's head stays in its namespace", async () => {
    const strategy = { rounds: 2, trainers: hospitals(), trainAlgo: { name: 'composite' }, aggregateAlgo: { name: 'aggregate' }, testAlgo: { name: 'evaluate-composite' } };
    apply(orgA.name, 'ComputePlan', 'pers', { strategy: { personalized: strategy } });
    const plan = await planIn(orgA.name, 'pers', ['Succeeded', 'Failed'], 240_000);
    expect(plan.status?.phase).toBe('Succeeded');
    const jobs = jobsOfPlan('pers');
    expect(jobs).toHaveLength(10);
    expect(inputDigest(taskOf(jobs, 'r2-train-1'), 'head')).toBe(outputDigest(taskOf(jobs, 'r1-train-1'), 'head'));
    expect(inputDigest(taskOf(jobs, 'r2-train-1'), 'model')).toBe(outputDigest(taskOf(jobs, 'r1-aggregate'), 'model'));
    expect(inputDigest(taskOf(jobs, 'r2-test-0'), 'head')).toBe(outputDigest(taskOf(jobs, 'r2-train-0'), 'head'));
    // Every head: read only by Jobs of its own namespace, and held by no other namespace.
    const [uidA, uidB, uidC] = await Promise.all([orgA.name, orgB.name, orgC.name].map(namespaceUid));
    for (const writer of jobs.filter((j) => outputDigest(j, 'head'))) {
      const head = outputDigest(writer, 'head')!;
      const readers = jobs.filter((j) => j.spec.inputs?.some((i) => i.fileSet?.digest === head));
      expect(new Set(readers.map((j) => j.metadata.namespace))).toEqual(new Set([writer.metadata.namespace]));
      const others = writer.metadata.namespace === orgB.name ? [uidA, uidC] : [uidA, uidB];
      for (const uid of others) expect(await isStored(holdingKey(uid!, head)), `${writer.metadata.name}'s head held by ${uid}`).toBe(false);
    }
  }, 300_000);

  it("refuses a task that would carry a trainer's head out of its namespace, before any Job exists", async () => {
    const strategy = { rounds: 1, trainers: hospitals(), trainAlgo: { name: 'composite' }, aggregateAlgo: { name: 'aggregate' } };
    const thief = { name: 'steal', algoRef: { name: 'evaluate-composite' }, inputs: [{ name: 'head', taskOutput: { task: 'r1-train-0', output: 'head' } }] };
    apply(orgA.name, 'ComputePlan', 'leak', { strategy: { personalized: strategy }, tasks: [thief] });
    const plan = await planIn(orgA.name, 'leak', ['Failed']);
    expect(plan.status?.failedTasks).toEqual([expect.objectContaining({ task: 'steal', reason: 'Unauthorized' })]);
    expect(jobsOfPlan('leak')).toEqual([]);
    expect(await tesseraCli(['plan', 'tree', 'leak', '-n', orgA.name])).toMatch(/^\s*steal\s+\S+\s+Failed \(Unauthorized\)/m);
  });
});

describe('multi-tenancy', () => {
  it('fails a task on a Dataset that does not authorize the plan, and starts no pod there', async () => {
    await pushDataset(orgC.name, 'private', []);
    apply(orgA.name, 'ComputePlan', 'snoop', {
      tasks: [{ name: 'peek', algoRef: { name: 'train' }, namespace: orgC.name, inputs: [{ name: 'data', datasetRef: { name: 'private' } }] }],
    });
    const plan = await planIn(orgA.name, 'snoop', ['Failed']);
    expect(plan.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True' });
    expect(JSON.stringify(plan.status)).toMatch(/Unauthorized/);
    expect(jobsOfPlan('snoop')).toEqual([]);
    // The CLI shows the refused task as the plan does, not as a task still to come.
    expect(await tesseraCli(['plan', 'tree', 'snoop', '-n', orgA.name])).toMatch(/^peek\s+\S+\s+Failed \(Unauthorized\)/m);
    const pods = await core.listNamespacedPod({ namespace: orgC.name, labelSelector: 'tessera.dev/plan=snoop' });
    expect(pods.items).toEqual([]);
  });

  it('deletes its Jobs in other namespaces when the plan is deleted', async () => {
    apply(orgA.name, 'ComputePlan', 'short', fedAvg(1, [{ namespace: orgB.name, dataset: 'hospital-b' }]));
    await planIn(orgA.name, 'short', ['Succeeded']);
    const foreign = jobsOfPlan('short').filter((j) => j.metadata.namespace === orgB.name);
    expect(foreign.length).toBeGreaterThan(0);
    expect(foreign.every((j) => j.metadata.finalizers?.includes('tessera.dev/compute-plan'))).toBe(true);

    kubectl(['delete', 'computeplan', 'short', '-n', orgA.name, '--wait=true', '--timeout=60s']);
    await waitFor('the plan\'s Jobs gone from every namespace', () => jobsOfPlan('short').length === 0);
  });
});
