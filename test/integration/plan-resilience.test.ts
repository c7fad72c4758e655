import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { freePort, startOperator, type RunningOperator } from '../support/operator.ts';

// A 200-task plan (20 layers of 10, each task reading one output of the layer before) while the
// operator is SIGKILLed five times and restarted: every task still runs exactly once.

const ns = useNamespace(import.meta.filename);
const operators: RunningOperator[] = [];
let sim: MoverSim;
let transferAddress = '';

async function writeEveryOutput(pod: Readonly<k8s.V1Pod>, root: string): Promise<void> {
  for (const output of await readdir(join(root, 'outputs'))) await writeFile(join(root, 'outputs', output, 'out.txt'), `${pod.metadata?.name}\n`);
}

function layeredTasks(layers: number, width: number): unknown[] {
  const tasks: unknown[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) {
      const inputs = layer === 0 ? [] : [{ name: 'in', taskOutput: { task: `l${layer - 1}-t${(i + layer) % width}`, output: 'out' } }];
      tasks.push({ name: `l${layer}-t${i}`, algoRef: { name: 'step' }, inputs });
    }
  }
  return tasks;
}

async function operator(): Promise<RunningOperator> {
  const args = ['--lease-namespace', ns.name, '--lease-name', 'plan-crash', '--lease-duration-seconds', '3', '--transfer-address', transferAddress];
  const started = await startOperator(`plan-crash-${operators.length + 1}`, args);
  operators.push(started);
  return started;
}

function jobsOfPlan(): TesseraJob[] {
  return (JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-n', ns.name, '-l', 'tessera.dev/plan=layers', '-o', 'json'])) as { items: TesseraJob[] }).items;
}

beforeAll(async () => {
  installCrds();
  transferAddress = `127.0.0.1:${await freePort()}`;
  sim = startMoverSim({ namespaces: [ns.name], transferUrl: `http://${transferAddress}`, write: writeEveryOutput, concurrency: 24 });
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'step' }, spec: { image: 'local/sim:1', category: 'train', outputs: [{ name: 'out' }] } }));
});
afterAll(async () => {
  await sim?.stop();
  for (const running of operators) if (!running.exited()) await running.stop();
});

describe('a 200-task plan', () => {
  it('completes with exactly one Job per task although the operator is SIGKILLed five times', async () => {
    let current = await operator();
    const metadata = { name: 'layers', annotations: { 'sim.tessera.dev/run-for': '1s' } };
    kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata, spec: { tasks: layeredTasks(20, 10) } }));

    for (let kill = 1; kill <= 5; kill++) {
      // Each kill lands while the plan is under way: after a few more tasks have started.
      const before = jobsOfPlan().length;
      await waitFor(`more tasks started before kill ${kill}`, () => jobsOfPlan().length >= Math.min(200, before + 15), 120_000);
      await current.kill();
      current = await operator();
    }

    const plan = await waitFor('plan layers done', () => {
      const p = kubectlGet<ComputePlan>(ns.name, 'computeplans.tessera.dev', 'layers');
      return ['Succeeded', 'Failed'].includes(p.status?.phase ?? '') ? p : undefined;
    }, 400_000);
    expect(sim.failures).toEqual(new Map());
    expect(plan.status).toMatchObject({ phase: 'Succeeded', progress: '200/200' });
    const jobs = jobsOfPlan();
    const perTask = new Map<string, number>();
    for (const job of jobs) perTask.set(job.metadata.labels?.['tessera.dev/task'] ?? '', (perTask.get(job.metadata.labels?.['tessera.dev/task'] ?? '') ?? 0) + 1);
    expect(perTask.size).toBe(200);
    expect([...perTask.values()].every((n) => n === 1)).toBe(true);
    expect(jobs.every((j) => j.status?.attempts === 1)).toBe(true);
  }, 600_000);
});
