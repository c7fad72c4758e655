import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import type { TrialStatus } from '../../src/api/search.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Budgeted trial search, driven as a user drives it: kubectl apply a ComputePlan with a search
// strategy, read its status and `tessera plan trials`. Pods run on kwok nodes (a GPU pool for the
// GPU budget); the mover simulator plays each trial's code: it reads the trial's parameters from
// its container's environment (TESSERA_PARAM_*) and writes a model and a metrics.json scored from
// them, so the objective the plan records proves the parameters reached the container.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let sim: MoverSim;
let scratch = '';

/** The score a trial's "code" reports for its parameters: quality × epochs / 3 (ASHA's rungs get better). */
function scoreOf(env: ReadonlyMap<string, string>): number {
  const quality = Number(env.get('TESSERA_PARAM_QUALITY') ?? 0);
  const epochs = Number(env.get('TESSERA_PARAM_EPOCHS') ?? 3);
  return Number(((quality * epochs) / 3).toFixed(6));
}

async function writeTrialOutputs(pod: Readonly<k8s.V1Pod>, root: string): Promise<void> {
  const main = pod.spec?.containers.find((c) => c.name === 'main');
  const env = new Map((main?.env ?? []).map((e) => [e.name, e.value ?? '']));
  await writeFile(join(root, 'outputs', 'model', 'model.json'), env.get('TESSERA_PARAMS') ?? '{}');
  await writeFile(join(root, 'outputs', 'model', 'metrics.json'), JSON.stringify({ accuracy: scoreOf(env) }));
}

function apply(kind: string, name: string, spec: unknown, annotations: Record<string, string> = {}): void {
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata: { name, annotations }, spec }));
}

function searchPlan(name: string, search: Record<string, unknown>, runFor = '1s'): void {
  const base = {
    algo: { name: 'train' },
    datasetRef: { name: 'data' },
    space: { quality: { uniform: { min: 0.1, max: 1 } }, opt: { choice: ['adam', 'sgd'] } },
    objective: { metric: 'accuracy', goal: 'maximize' },
  };
  apply('ComputePlan', name, { strategy: { search: { ...base, ...search } } }, { 'sim.tessera.dev/run-for': runFor });
}

const getPlan = (name: string): ComputePlan => kubectlGet<ComputePlan>(ns.name, 'computeplans.tessera.dev', name);

async function planIn(name: string, phases: string[], timeoutMs = 90_000): Promise<ComputePlan> {
  return waitFor(`plan ${name} in ${phases.join('/')}`, () => {
    const plan = getPlan(name);
    return phases.includes(plan.status?.phase ?? '') ? plan : undefined;
  }, timeoutMs);
}

function jobsOf(plan: string): TesseraJob[] {
  return (JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-n', ns.name, '-l', `tessera.dev/plan=${plan}`, '-o', 'json'])) as { items: TesseraJob[] }).items;
}

const searchEnded = (plan: ComputePlan): { status: string; reason: string; message: string } | undefined => plan.status?.conditions?.find((c) => c.type === 'SearchEnded');

/** The most Jobs that ran at once, from their start and completion times. */
function mostAtOnce(jobs: readonly TesseraJob[]): number {
  const events = jobs.flatMap((j) => [
    { at: Date.parse(j.status?.startTime ?? ''), delta: 1 },
    { at: Date.parse(j.status?.completionTime ?? ''), delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const e of events) most = Math.max(most, (now += e.delta));
  return most;
}

beforeAll(async () => {
  installCrds();
  scratch = await mkdtemp(join(tmpdir(), 'tessera-plan-search-'));
  operator = await startOperator('plan-search');
  sim = startMoverSim({ namespaces: [ns.name], transferUrl: operator.transferUrl, write: writeTrialOutputs });
  // One GPU per trial: the kwok GPU pool runs them, and budget.maxGPUs counts them.
  apply('Algo', 'train', { image: 'local/sim:1', category: 'train', inputs: [{ name: 'data' }, { name: 'model', optional: true }], outputs: [{ name: 'model' }], resources: { gpu: 1 } });
  const data = await mkdtemp(join(scratch, 'data-'));
  await writeFile(join(data, 'samples.csv'), 'x,y\n1,2\n');
  await tesseraCli(['dataset', 'push', data, '--name', 'data', '-n', ns.name]);
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  await operator?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/**
 * That every promoted trial's rung-1 Job was created before `best` (not promoted) was seen to
 * finish its first rung: when its Job said it had succeeded (its last condition change), give or
 * take the second timestamps round to and the plan's look at it.
 */
function expectPlacesTakenBefore(jobs: readonly TesseraJob[], best: TrialStatus, promoted: readonly TrialStatus[]): void {
  const jobOf = (task: string): TesseraJob => jobs.find((j) => j.metadata.labels?.['tessera.dev/task'] === task)!;
  const bestSeen = Math.max(...(jobOf(`${best.id}-r0-train`).status?.conditions ?? []).map((c) => Date.parse(String(c.lastTransitionTime))));
  for (const t of promoted) expect(Date.parse(String(jobOf(`${t.id}-r1-train`).metadata.creationTimestamp))).toBeLessThanOrEqual(bestSeen + 1000);
}

describe('a search ComputePlan', () => {
  it('runs exactly maxTrials trials, at most maxGPUs at once, scores them from their parameters and says MaxTrials ended it', async () => {
    searchPlan('random', { algorithm: { random: { seed: 11 } }, budget: { maxTrials: 4, maxGPUs: 2 } });
    const plan = await planIn('random', ['Succeeded', 'Failed']);
    expect(plan.status?.phase).toBe('Succeeded');
    const trials = plan.status?.trials ?? [];
    expect(trials.map((t) => [t.id, t.state])).toEqual([['t0', 'Succeeded'], ['t1', 'Succeeded'], ['t2', 'Succeeded'], ['t3', 'Succeeded']]);
    for (const trial of trials) {
      // The objective is what the trial's code computed from its environment: the parameters reached it.
      expect(trial.objective).toBe(scoreOf(new Map([['TESSERA_PARAM_QUALITY', String(trial.params.quality)]])));
      expect(trial.durationSeconds).toBeGreaterThanOrEqual(0);
    }
    const jobs = jobsOf('random');
    expect(jobs.map((j) => j.metadata.labels?.['tessera.dev/task']).sort()).toEqual(['t0-train', 't1-train', 't2-train', 't3-train']);
    expect(mostAtOnce(jobs)).toBeLessThanOrEqual(2);
    expect(searchEnded(plan)).toMatchObject({ status: 'True', reason: 'MaxTrials' });
    const best = [...trials].sort((a, b) => (b.objective ?? 0) - (a.objective ?? 0))[0]!;
    expect(plan.status?.search?.bestTrial).toBe(best.id);
    expect(plan.status?.performances?.map((p) => p.value)).toEqual([...trials.map((t) => t.objective)].sort((a, b) => (b ?? 0) - (a ?? 0)));
  });

  it('`tessera plan trials` lists the trials best first, the best marked, and -o json the same order', async () => {
    const plan = getPlan('random');
    const ranked = [...(plan.status?.trials ?? [])].sort((a, b) => (b.objective ?? 0) - (a.objective ?? 0)).map((t) => t.id);
    const table = await tesseraCli(['plan', 'trials', 'random', '-n', ns.name]);
    const rows = table.trim().split('\n');
    expect(rows[0]).toMatch(/TRIAL\s+STATE\s+PARAMS\s+ACCURACY \(MAX\)\s+DURATION/);
    expect(rows.slice(1).map((r) => /t\d+/.exec(r)?.[0])).toEqual(ranked);
    expect(rows[1]).toMatch(new RegExp(`^\\* ${ranked[0]}\\s+Succeeded\\s+opt=\\w+ quality=`));
    const json = JSON.parse(await tesseraCli(['plan', 'trials', 'random', '-n', ns.name, '-o', 'json'])) as { bestTrial: string; trials: TrialStatus[] };
    expect(json.trials.map((t) => t.id)).toEqual(ranked);
    expect(json.bestTrial).toBe(ranked[0]);
  });

  it('with ASHA stops the weakest trials after their first rung and takes the best 1/η on to maxResource', async () => {
    searchPlan('asha', { algorithm: { asha: { seed: 5, minResource: 1, maxResource: 3, reductionFactor: 3 } }, budget: { maxTrials: 6 } });
    const plan = await planIn('asha', ['Succeeded', 'Failed']);
    expect(plan.status?.phase).toBe('Succeeded');
    const trials = plan.status?.trials ?? [];
    expect(trials).toHaveLength(6);
    // Rung 0 ran each trial 1 epoch; 6/3 = 2 went on to 3 epochs, promoted as soon as they ranked in the
    // best third of the trials finished so far (asynchronously). So each promoted trial beat at
    // least η − 1 = 2 others, and the best of all is among them unless both places were taken
    // before it finished its first rung.
    const byFirstRung = [...trials].sort((a, b) => Number(b.params.quality) - Number(a.params.quality));
    const promoted = trials.filter((t) => t.rung === 1);
    expect(promoted.map((t) => t.state)).toEqual(['Succeeded', 'Succeeded']);
    for (const t of promoted) expect(byFirstRung.slice(-2)).not.toContainEqual(t);
    const jobs = jobsOf('asha');
    if (!promoted.some((t) => t.id === byFirstRung[0]!.id)) expectPlacesTakenBefore(jobs, byFirstRung[0]!, promoted);
    expect(trials.filter((t) => t.rung === 0).map((t) => t.state)).toEqual(['Stopped', 'Stopped', 'Stopped', 'Stopped']);
    for (const t of promoted) expect(t.objective).toBe(scoreOf(new Map([['TESSERA_PARAM_QUALITY', String(t.params.quality)], ['TESSERA_PARAM_EPOCHS', '3']])));
    for (const t of trials.filter((s) => s.rung === 0)) expect(t.objective).toBe(scoreOf(new Map([['TESSERA_PARAM_QUALITY', String(t.params.quality)], ['TESSERA_PARAM_EPOCHS', '1']])));
    const tasks = jobs.map((j) => j.metadata.labels?.['tessera.dev/task'] ?? '').sort();
    expect(tasks).toHaveLength(8);
    expect(tasks.filter((t) => t.includes('-r1-'))).toEqual(promoted.map((t) => `${t.id}-r1-train`).sort());
    expect(searchEnded(plan)).toMatchObject({ status: 'True', reason: 'MaxTrials' });
  });

  it('stops starting trials when maxSeconds runs out, cancels the running one and says MaxSeconds', async () => {
    searchPlan('timed', { algorithm: { random: { seed: 3 } }, budget: { maxTrials: 20, maxSeconds: 8, maxGPUs: 1 } }, '5s');
    const plan = await planIn('timed', ['Succeeded', 'Failed']);
    expect(searchEnded(plan)).toMatchObject({ status: 'True', reason: 'MaxSeconds' });
    const trials = plan.status?.trials ?? [];
    expect(trials.length).toBeGreaterThanOrEqual(1);
    expect(trials.length).toBeLessThan(20);
    expect(trials.at(-1)?.state).toBe('Stopped');
    expect(jobsOf('timed').length).toBe(trials.filter((t) => t.startTime !== undefined).length);
  });
});
