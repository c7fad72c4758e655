import { describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../../api/computeplan.ts';
import type { Search } from '../../../api/search.ts';
import { makeAlgo, makeDataset, makePlan, observe, taskJob, type TaskJobBuilder } from '../../../../test/support/plan-builders.ts';
import { decide, type PlanDecision } from '../schedule.ts';

// decide() on search plans: trials are recorded in status first and get Jobs on the next pass;
// their state, objective and the leaderboard follow their Jobs; the budget ends the search.

const now = new Date('2026-01-01T01:00:00Z');

function searchPlan(search: Partial<Search> = {}, budget: Partial<Search['budget']> = {}): ComputePlan {
  const spec: Search = {
    algo: { name: 'train' },
    testAlgo: { name: 'eval' },
    datasetRef: { name: 'data' },
    space: { lr: { logUniform: { min: 0.001, max: 0.1 } }, layers: { int: { min: 1, max: 3 } } },
    objective: { metric: 'accuracy', goal: 'maximize' },
    algorithm: { random: { seed: 4 } },
    ...search,
    budget: { maxTrials: 3, ...budget },
  };
  return makePlan().spec({ strategy: { search: spec } }).obj();
}

/** The plan as the API server holds it once the decision's status is written. */
const applied = (plan: ComputePlan, decision: PlanDecision): ComputePlan => ({ ...plan, status: structuredClone(decision.status) });
const world = (plan: ComputePlan, ...jobs: TaskJobBuilder[]): PlanDecision =>
  decide(observe(plan).algos(makeAlgo('train'), makeAlgo('eval').outputs('performance')).datasets(makeDataset('data')).jobs(...jobs).at(now).obj());
const created = (d: PlanDecision): string[] => d.create.map((c) => c.job.metadata.labels!['tessera.dev/task']!).sort();
const condition = (d: PlanDecision, type: string): { status: string; reason: string } | undefined => d.status.conditions?.find((c) => c.type === type);
const scored = (task: string, accuracy: number): TaskJobBuilder => taskJob(task).succeeded('performance').metrics({ accuracy });

describe('a search plan', () => {
  it('records its first trials in status before it creates any Job', () => {
    const first = world(searchPlan());
    expect(first.create).toEqual([]);
    expect(first.status.trials?.map((t) => [t.id, t.state])).toEqual([['t0', 'Pending'], ['t1', 'Pending'], ['t2', 'Pending']]);
    for (const trial of first.status.trials ?? []) {
      expect(trial.params.lr).toBeGreaterThanOrEqual(0.001);
      expect([1, 2, 3]).toContain(trial.params.layers);
    }
    expect(first.status.search?.startTime).toBe(now.toISOString());
    expect(first.status.phase).toBe('Running');
    expect(condition(first, 'SearchEnded')).toMatchObject({ status: 'True', reason: 'MaxTrials' });
  });

  it("creates each recorded trial's train task, its parameters in the container's environment", () => {
    const plan = applied(searchPlan(), world(searchPlan()));
    const second = world(plan);
    expect(created(second)).toEqual(['t0-train', 't1-train', 't2-train']);
    const job = second.create.find((c) => c.job.metadata.labels!['tessera.dev/task'] === 't1-train')!.job;
    const params = plan.status!.trials![1]!.params;
    expect(job.spec.env).toEqual([
      { name: 'TESSERA_PARAMS', value: JSON.stringify({ layers: params.layers, lr: params.lr }) },
      { name: 'TESSERA_PARAM_LAYERS', value: String(params.layers) },
      { name: 'TESSERA_PARAM_LR', value: String(params.lr) },
    ]);
    expect(job.metadata.labels!['tessera.dev/category']).toBe('train');
    expect(job.spec.inputs).toEqual([{ name: 'data', dataset: { name: 'data' } }]);
    // The status already counts them queued: the pass that sees them appear has nothing to write.
    expect(second.status.trials?.map((t) => t.state)).toEqual(['Pending', 'Pending', 'Pending']);
  });

  it('scores each trial by its test, ranks the trials toward the goal, and succeeds once the budget is spent and all ended', () => {
    const plan = applied(searchPlan(), world(searchPlan()));
    const done = world(plan, taskJob('t0-train').succeeded(), scored('t0-test', 0.7), taskJob('t1-train').succeeded(), scored('t1-test', 0.9), taskJob('t2-train').failed());
    expect(done.status.trials?.map((t) => [t.id, t.state, t.objective])).toEqual([['t0', 'Succeeded', 0.7], ['t1', 'Succeeded', 0.9], ['t2', 'Failed', undefined]]);
    expect(done.status.performances?.map((p) => [p.task, p.value])).toEqual([['t1-test', 0.9], ['t0-test', 0.7]]);
    expect(done.status.best).toBe('accuracy=0.9 (t1)');
    expect(done.status.search?.bestTrial).toBe('t1');
    // A failed trial is part of searching: the plan goes on (ContinueIndependent unless told FailFast).
    expect(done.status.phase).toBe('Succeeded');
    expect(condition(done, 'SearchEnded')).toMatchObject({ status: 'True', reason: 'MaxTrials' });
  });

  it('minimizes when the objective says so', () => {
    const plan = applied(searchPlan({ objective: { metric: 'accuracy', goal: 'minimize' } }), world(searchPlan()));
    const done = world(plan, taskJob('t0-train').succeeded(), scored('t0-test', 0.7), taskJob('t1-train').succeeded(), scored('t1-test', 0.9));
    expect(done.status.best).toBe('accuracy=0.7 (t0)');
  });

  it('fails when the search ended and no trial succeeded', () => {
    const plan = applied(searchPlan({}, { maxTrials: 1 }), world(searchPlan({}, { maxTrials: 1 })));
    const done = world(plan, taskJob('t0-train').failed());
    expect(done.status.phase).toBe('Failed');
    expect(condition(done, 'Failed')).toMatchObject({ status: 'True', reason: 'NoTrialSucceeded' });
  });

  it('when maxSeconds runs out cancels running trials, starts no recorded one, and says MaxSeconds', () => {
    const spec = searchPlan({}, { maxSeconds: 60 });
    const plan = applied(spec, world(spec));
    const before = world(plan, taskJob('t0-train').running());
    expect(before.wakeAt).toBe(now.getTime() + 60_000);
    const late = decide(observe(plan).algos(makeAlgo('train'), makeAlgo('eval').outputs('performance')).datasets(makeDataset('data')).jobs(taskJob('t0-train').running()).at(new Date(now.getTime() + 60_000)).obj());
    expect(late.create).toEqual([]);
    expect(late.cancel.map((r) => r.name)).toEqual([expect.stringMatching(/^plan-t0-train-/)]);
    expect(late.status.trials?.map((t) => t.state)).toEqual(['Stopped', 'Stopped', 'Stopped']);
    expect(condition(late, 'SearchEnded')).toMatchObject({ status: 'True', reason: 'MaxSeconds' });
  });

  it('with cleanIntermediateOutputs releases every trial but the best keepBest once the search is over', () => {
    const spec: ComputePlan = { ...searchPlan({ keepBest: 1 }), spec: { ...searchPlan({ keepBest: 1 }).spec, cleanIntermediateOutputs: true } };
    const plan = applied(spec, world(spec));
    const done = world(plan, taskJob('t0-train').succeeded(), scored('t0-test', 0.7), taskJob('t1-train').succeeded(), scored('t1-test', 0.9), taskJob('t2-train').succeeded(), scored('t2-test', 0.8));
    const released = done.release.map((r) => r.name.replace(/^plan-(.*)-[0-9a-f]{6}$/, '$1')).sort();
    // The best trial (t1) keeps its model; the others' train and test outputs go.
    expect(released).toEqual(['t0-test', 't0-train', 't2-test', 't2-train']);
  });

  it('with ASHA records promotions as a higher rung whose train resumes from the rung before', () => {
    const asha = searchPlan({ testAlgo: undefined, algorithm: { asha: { minResource: 1, maxResource: 3, reductionFactor: 3 } } }, { maxTrials: 3 });
    const plan = applied(asha, world(asha));
    expect(plan.status?.trials?.map((t) => t.rung)).toEqual([0, 0, 0]);
    const rung0 = world(plan, taskJob('t0-r0-train').succeeded().metrics({ accuracy: 0.2 }), taskJob('t1-r0-train').succeeded().metrics({ accuracy: 0.6 }), taskJob('t2-r0-train').succeeded().metrics({ accuracy: 0.4 }));
    expect(rung0.status.trials?.map((t) => [t.id, t.state, t.rung])).toEqual([['t0', 'Stopped', 0], ['t1', 'Running', 1], ['t2', 'Stopped', 0]]);
    const promoted = applied(plan, rung0);
    const next = world(promoted, taskJob('t0-r0-train').succeeded().metrics({ accuracy: 0.2 }), taskJob('t1-r0-train').succeeded().metrics({ accuracy: 0.6 }), taskJob('t2-r0-train').succeeded().metrics({ accuracy: 0.4 }));
    expect(created(next)).toEqual(['t1-r1-train']);
    const job = next.create[0]!.job;
    expect(job.spec.env).toContainEqual({ name: 'TESSERA_PARAM_EPOCHS', value: '3' });
    expect(job.spec.inputs?.map((i) => i.name)).toEqual(['data', 'model']);
  });
});
