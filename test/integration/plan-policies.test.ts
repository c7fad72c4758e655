import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// What a ComputePlan does when its graph or its tasks go wrong, driven with kubectl as users do.
// Each task's "code" writes one file into every output; a plan annotation
// `sim.tessera.dev/exit-code.<task>` makes that task's container exit non-zero on kwok.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let sim: MoverSim;

async function writeEveryOutput(pod: Readonly<k8s.V1Pod>, root: string): Promise<void> {
  for (const output of await readdir(join(root, 'outputs'))) await writeFile(join(root, 'outputs', output, 'out.txt'), `${pod.metadata?.name}\n`);
}

interface TaskSketch {
  name: string;
  reads?: string[];
  algo?: string;
}

/** Tasks of the `step` Algo; `reads` names the tasks whose `out` output each one reads. */
function tasks(...sketches: TaskSketch[]): unknown[] {
  return sketches.map((t) => ({
    name: t.name,
    algoRef: { name: t.algo ?? 'step' },
    inputs: (t.reads ?? []).map((parent) => ({ name: `from-${parent}`, taskOutput: { task: parent, output: 'out' } })),
  }));
}

function applyPlan(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): void {
  const metadata = { name, annotations: { 'sim.tessera.dev/run-for': '1s', ...annotations } };
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata, spec }));
}

const getPlan = (name: string): ComputePlan => kubectlGet<ComputePlan>(ns.name, 'computeplans.tessera.dev', name);

async function planWhere(name: string, what: string, check: (plan: ComputePlan) => boolean, timeoutMs = 90_000): Promise<ComputePlan> {
  return waitFor(`plan ${name}: ${what}`, () => {
    const plan = getPlan(name);
    return check(plan) ? plan : undefined;
  }, timeoutMs);
}

const inPhase = (name: string, phase: string): Promise<ComputePlan> => planWhere(name, `phase ${phase}`, (p) => p.status?.phase === phase);

function condition(plan: ComputePlan, type: string): { status: string; reason: string; message: string } | undefined {
  return plan.status?.conditions?.find((c) => c.type === type);
}

/** The plan's Jobs by task name, with their phase. */
function taskJobs(plan: string): Map<string, TesseraJob> {
  const list = JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-n', ns.name, '-l', `tessera.dev/plan=${plan}`, '-o', 'json'])) as { items: TesseraJob[] };
  return new Map(list.items.map((j) => [j.metadata.labels?.['tessera.dev/task'] ?? '', j]));
}

const phases = (plan: string): Record<string, string> =>
  Object.fromEntries([...taskJobs(plan)].map(([task, job]): [string, string] => [task, job.status?.phase ?? 'Pending']).sort(([a], [b]) => a.localeCompare(b)));

beforeAll(async () => {
  installCrds();
  operator = await startOperator('plan-policies');
  sim = startMoverSim({ namespaces: [ns.name], transferUrl: operator.transferUrl, write: writeEveryOutput });
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'step' }, spec: { image: 'local/sim:1', category: 'train', outputs: [{ name: 'out' }] } }));
});
afterAll(async () => {
  await sim?.stop();
  await operator?.stop();
});

describe('a ComputePlan', () => {
  it('with a cycle stalls with CycleDetected naming it, and creates no Job', async () => {
    applyPlan('loop', { tasks: tasks({ name: 'a', reads: ['c'] }, { name: 'b', reads: ['a'] }, { name: 'c', reads: ['b'] }, { name: 'free' }) });
    const plan = await planWhere('loop', 'CycleDetected', (p) => condition(p, 'Stalled')?.reason === 'CycleDetected');
    expect(condition(plan, 'Stalled')?.message).toMatch(/a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c/);
    expect(taskJobs('loop').size).toBe(0);
  });

  it('waits on a missing Algo with DependencyNotFound and proceeds once it appears', async () => {
    applyPlan('dangling', { tasks: tasks({ name: 'first', algo: 'later' }, { name: 'second', reads: ['first'] }) });
    const waiting = await planWhere('dangling', 'DependencyNotFound', (p) => JSON.stringify(p.status?.conditions).includes('DependencyNotFound'));
    expect(JSON.stringify(waiting.status?.conditions)).toMatch(/algo \S+\/later/);
    expect(taskJobs('dangling').size).toBe(0);

    kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'later' }, spec: { image: 'local/sim:1', category: 'train', outputs: [{ name: 'out' }] } }));
    const done = await inPhase('dangling', 'Succeeded');
    expect(done.status?.progress).toBe('2/2');
  });

  it('runs tasks appended while it runs, and refuses changes to existing ones', async () => {
    applyPlan('growing', { tasks: tasks({ name: 'base' }) }, { 'sim.tessera.dev/run-for': '3s' });
    await planWhere('growing', 'base started', () => taskJobs('growing').has('base'));
    applyPlan('growing', { tasks: tasks({ name: 'base' }, { name: 'added', reads: ['base'] }) }, { 'sim.tessera.dev/run-for': '3s' });
    expect(() => applyPlan('growing', { tasks: tasks({ name: 'base', reads: ['added'] }, { name: 'added', reads: ['base'] }) })).toThrow(/a task cannot change once added/);
    const done = await inPhase('growing', 'Succeeded');
    expect(done.status?.progress).toBe('2/2');
    expect(phases('growing')).toEqual({ added: 'Succeeded', base: 'Succeeded' });
  });

  it('canceled: stops its running Jobs, starts nothing more, ends Canceled', async () => {
    applyPlan('stop-me', { tasks: tasks({ name: 'long' }, { name: 'after', reads: ['long'] }) }, { 'sim.tessera.dev/run-for': '120s' });
    await planWhere('stop-me', 'long running', () => taskJobs('stop-me').get('long')?.status?.phase === 'Running');
    kubectl(['patch', 'computeplan', 'stop-me', '-n', ns.name, '--type=merge', '-p', '{"spec":{"cancel":true}}']);
    const plan = await inPhase('stop-me', 'Canceled');
    expect(plan.status?.counts).toMatchObject({ total: 2, canceled: 2 });
    expect(phases('stop-me')).toEqual({ long: 'Canceled' });
  });
});

describe('failure policies', () => {
  // a fails; b reads a; c and d are independent of a; d reads c.
  const graph = tasks({ name: 'a' }, { name: 'b', reads: ['a'] }, { name: 'c' }, { name: 'd', reads: ['c'] });

  it('FailFast (the default): the first failure cancels the rest and fails the plan', async () => {
    applyPlan('fast', { tasks: graph }, { 'sim.tessera.dev/exit-code.a': '1', 'sim.tessera.dev/run-for.c': '60s' });
    const plan = await inPhase('fast', 'Failed');
    expect(phases('fast')).toEqual({ a: 'Failed', c: 'Canceled' });
    expect(plan.status?.counts).toMatchObject({ total: 4, failed: 1, canceled: 3 });
    const failed = condition(plan, 'Failed');
    await waitFor('a Warning event for the failed plan', () => kubectl(['events', '-n', ns.name, '--for', 'computeplan/fast', '--types', 'Warning']).includes(failed?.reason ?? '?'));
  });

  it('ContinueIndependent: only the failed task\'s descendants are dropped; the rest finishes', async () => {
    applyPlan('independent', { tasks: graph, failurePolicy: 'ContinueIndependent' }, { 'sim.tessera.dev/exit-code.a': '1' });
    const plan = await inPhase('independent', 'Failed');
    expect(phases('independent')).toEqual({ a: 'Failed', c: 'Succeeded', d: 'Succeeded' });
    expect(plan.status?.counts).toMatchObject({ total: 4, succeeded: 2, failed: 1, canceled: 1 });
  });

  it('a retry re-runs only the failed and canceled tasks, reusing what succeeded', async () => {
    const before = taskJobs('independent');
    // The flaky task now succeeds; the retry annotation asks for another try.
    kubectl(['annotate', 'computeplan', 'independent', '-n', ns.name, '--overwrite', 'sim.tessera.dev/exit-code.a-', 'tessera.dev/retry=1']);
    const plan = await inPhase('independent', 'Succeeded');
    expect(plan.status).toMatchObject({ appliedRetry: '1', progress: '4/4' });
    const after = taskJobs('independent');
    expect(after.get('c')?.metadata.uid).toBe(before.get('c')?.metadata.uid);
    expect(after.get('d')?.metadata.uid).toBe(before.get('d')?.metadata.uid);
    expect(after.get('a')?.metadata.uid).not.toBe(before.get('a')?.metadata.uid);
    expect(phases('independent')).toEqual({ a: 'Succeeded', b: 'Succeeded', c: 'Succeeded', d: 'Succeeded' });
  });
});

describe('intermediate outputs', () => {
  it('are released once every consumer succeeded, and garbage collection frees them; final outputs stay', async () => {
    applyPlan('chain', { tasks: tasks({ name: 'first' }, { name: 'middle', reads: ['first'] }, { name: 'last', reads: ['middle'] }), cleanIntermediateOutputs: true });
    await inPhase('chain', 'Succeeded');
    const jobs = await waitFor('first and middle released', () => {
      const byTask = taskJobs('chain');
      const released = (task: string): boolean => byTask.get(task)?.metadata.annotations?.['tessera.dev/outputs-released'] === 'true';
      return released('first') && released('middle') && !released('last') ? byTask : undefined;
    });
    const output = (task: string): string => jobs.get(task)?.status?.outputs?.find((o) => o.name === 'out')?.digest ?? '';
    const log = (task: string): string => jobs.get(task)?.status?.outputs?.find((o) => o.name === 'logs')?.digest ?? '';

    // Everything written by the plan is older than the grace period by now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const collected = JSON.parse(await tesseraCli(['gc', '--grace-seconds', '2'])) as { deletedManifests: number };
    expect(collected.deletedManifests).toBeGreaterThanOrEqual(2);

    const scratch = await mkdtemp(join(tmpdir(), 'tessera-gc-'));
    try {
      await expect(tesseraCli(['fileset', 'pull', output('first'), join(scratch, 'first'), '-n', ns.name])).rejects.toThrow(/filesets.files.tessera.dev "sha256:[0-9a-f]+" not found/);
      await expect(tesseraCli(['fileset', 'pull', output('middle'), join(scratch, 'middle'), '-n', ns.name])).rejects.toThrow(/filesets.files.tessera.dev "sha256:[0-9a-f]+" not found/);
      await expect(tesseraCli(['fileset', 'pull', output('last'), join(scratch, 'last'), '-n', ns.name])).resolves.toMatch(/pulled 1 files/);
      if (log('first')) await expect(tesseraCli(['fileset', 'pull', log('first'), join(scratch, 'log'), '-n', ns.name])).resolves.toMatch(/pulled 1 files/);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
