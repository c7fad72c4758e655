import { describe, expect, it } from 'vitest';
import type { Search } from '../../../api/search.ts';
import { advise, trialId, type AdvisorInput } from './advisor.ts';
import type { TrialObservation, TrialProgress } from './observation.ts';
import { randomPoint } from './space.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');

function search(fields: Partial<Search> = {}, budget: Partial<Search['budget']> = {}): Search {
  return {
    algo: { name: 'train' },
    datasetRef: { name: 'data' },
    space: { lr: { logUniform: { min: 0.001, max: 0.1 } }, opt: { choice: ['adam', 'sgd'] } },
    objective: { metric: 'accuracy', goal: 'maximize' },
    algorithm: { random: { seed: 1 } },
    ...fields,
    budget: { maxTrials: 6, ...budget },
  };
}

function trial(n: number, progress: TrialProgress, objective?: number, rung = 0): TrialObservation {
  return { id: trialId(n), n, params: {}, rung, progress, objectives: progress === 'done' ? [...Array<undefined>(rung), objective] : [] };
}

const input = (s: Search, trials: TrialObservation[], over: Partial<AdvisorInput> = {}): AdvisorInput => ({ search: s, trials, now: t0, startTime: t0, gpusPerTrial: 1, ...over });

/** Runs the advisor pass after pass, every started trial finishing at once with objective n/10, until it starts nothing more. */
function runToEnd(s: Search, gpusPerTrial = 1): { trials: TrialObservation[]; passes: number; reason?: string } {
  let trials: TrialObservation[] = [];
  for (let passes = 1; passes < 100; passes++) {
    const advice = advise(input(s, trials, { gpusPerTrial }));
    if (advice.start.length === 0 && trials.every((t) => t.progress === 'done')) return { trials, passes, reason: advice.ended?.reason };
    const started = advice.start.map((st) => trial(st.n, 'pending'));
    trials = [...trials.map((t) => (t.progress === 'pending' ? { ...t, progress: 'done' as const, objectives: [t.n / 10] } : t)), ...started];
  }
  throw new Error('the search never ended');
}

describe('the advisor', () => {
  it('starts at most maxTrials trials in all, then says MaxTrials ended it', () => {
    const first = advise(input(search(), []));
    expect(first.start.map((s) => s.id)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
    expect(first.ended).toEqual({ reason: 'MaxTrials', message: 'budget.maxTrials (6) trials started' });
    const later = advise(input(search(), first.start.map((s) => trial(s.n, 'done', 0.5))));
    expect(later.start).toEqual([]);
    expect(later.ended?.reason).toBe('MaxTrials');
  });

  it('draws trial n from the seed and n alone: deterministic, whatever was started before', () => {
    const s = search();
    const a = advise(input(s, []));
    const b = advise(input(s, []));
    expect(a).toEqual(b);
    expect(a.start[4]!.params).toEqual(randomPoint(s.space, 1, 4));
    const resumed = advise(input(search({}, { maxGPUs: 2 }), [trial(0, 'done', 0.1), trial(1, 'done', 0.1), trial(2, 'done', 0.1), trial(3, 'done', 0.1)]));
    expect(resumed.start.map((st) => st.params)).toEqual([a.start[4]!.params, a.start[5]!.params]);
  });

  it('keeps as many trials running as maxGPUs fits, by the train Algo\'s GPUs', () => {
    const s = search({}, { maxGPUs: 5 });
    expect(advise(input(s, [], { gpusPerTrial: 2 })).start).toHaveLength(2);
    expect(advise(input(s, [trial(0, 'active')], { gpusPerTrial: 2 })).start.map((t) => t.id)).toEqual(['t1']);
    expect(advise(input(s, [trial(0, 'active'), trial(1, 'pending')], { gpusPerTrial: 2 })).start).toEqual([]);
    expect(advise(input(s, [trial(0, 'done', 0.2), trial(1, 'failed')], { gpusPerTrial: 2 })).start.map((t) => t.id)).toEqual(['t2', 't3']);
    // CPU-only trials use no GPUs: the budget does not limit them.
    expect(advise(input(s, [], { gpusPerTrial: 0 })).start).toHaveLength(6);
  });

  it('waits for the train Algo before starting trials under maxGPUs, and ends MaxGPUs when one trial needs more', () => {
    const s = search({}, { maxGPUs: 4 });
    const waiting = advise(input(s, [], { gpusPerTrial: undefined }));
    expect(waiting.start).toEqual([]);
    expect(waiting.ended).toBeUndefined();
    const impossible = advise(input(s, [], { gpusPerTrial: 8 }));
    expect(impossible.start).toEqual([]);
    expect(impossible.ended?.reason).toBe('MaxGPUs');
  });

  it('runs exactly maxTrials trials over many passes under a GPU budget', () => {
    const result = runToEnd(search({}, { maxTrials: 7, maxGPUs: 2 }));
    expect(result.trials.map((t) => t.id)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect(result.reason).toBe('MaxTrials');
    // Four batches of at most two, each started once the one before finished, then the pass that ends it.
    expect(result.passes).toBe(9);
  });

  it('ends a grid smaller than maxTrials as Exhausted once every point started', () => {
    const grid = search({ space: { a: { choice: [1, 2] }, b: { int: { min: 0, max: 1 } } }, algorithm: { grid: {} } }, { maxTrials: 10 });
    const advice = advise(input(grid, []));
    expect(advice.start.map((s) => s.params)).toEqual([{ a: 1, b: 0 }, { a: 1, b: 1 }, { a: 2, b: 0 }, { a: 2, b: 1 }]);
    expect(advice.ended).toEqual({ reason: 'Exhausted', message: 'every point of the grid (4) was tried' });
    // A grid at least maxTrials big ends on maxTrials.
    expect(advise(input({ ...grid, budget: { maxTrials: 3 } }, [])).ended?.reason).toBe('MaxTrials');
  });

  it('once maxSeconds ran out starts nothing, stops every unfinished trial and cancels the running ones', () => {
    const s = search({}, { maxTrials: 10, maxSeconds: 60, maxGPUs: 2 });
    const trials = [trial(0, 'done', 0.4), trial(1, 'active'), trial(2, 'failed'), trial(3, 'pending')];
    const before = advise(input(s, trials, { now: t0 + 59_000 }));
    expect(before.ended).toBeUndefined();
    expect(before.deadline).toBe(t0 + 60_000);
    const after = advise(input(s, trials, { now: t0 + 60_000 }));
    expect(after.start).toEqual([]);
    expect(after.ended?.reason).toBe('MaxSeconds');
    expect(after.cancel).toEqual(['t1', 't3']);
    expect([...after.stopped].sort()).toEqual(['t1', 't3']);
    expect([...after.finished]).toEqual(['t0']);
  });

  it('counts maxSeconds from the start of the search: before it started, the clock does not run', () => {
    const s = search({}, { maxSeconds: 1 });
    expect(advise(input(s, [], { startTime: undefined, now: t0 + 10_000_000 })).start).toHaveLength(6);
  });

  it('with ASHA promotes before starting new trials, and promotes the best third of the first rung', () => {
    const asha = search({ algorithm: { asha: { seed: 2, minResource: 1, maxResource: 9 } } }, { maxTrials: 9, maxGPUs: 3 });
    const trials = [trial(0, 'done', 0.2), trial(1, 'done', 0.9), trial(2, 'done', 0.5)];
    const advice = advise(input(asha, trials));
    expect(advice.promote).toEqual(['t1']);
    expect(advice.start.map((s) => s.id)).toEqual(['t3', 't4']);
    expect(advice.stopped.size).toBe(0);
  });

  it('with ASHA stops the weakest trials once every trial ran its first rung', () => {
    const asha = search({ algorithm: { asha: { minResource: 1, maxResource: 9 } } }, { maxTrials: 9 });
    const trials = Array.from({ length: 9 }, (_, n) => trial(n, 'done', [5, 1, 9, 3, 7, 2, 8, 4, 6][n]));
    const advice = advise(input(asha, trials));
    expect(advice.promote).toEqual(['t2', 't6', 't4']);
    expect([...advice.stopped].sort()).toEqual(['t0', 't1', 't3', 't5', 't7', 't8']);
    expect(advice.ended?.reason).toBe('MaxTrials');
  });
});

describe('a search that is over', () => {
  it('keeps the budget that ended it when its time runs out afterwards', () => {
    const s = search({}, { maxTrials: 2, maxSeconds: 60 });
    const advice = advise(input(s, [trial(0, 'done', 0.3), trial(1, 'failed')], { now: t0 + 120_000 }));
    expect(advice.ended?.reason).toBe('MaxTrials');
    expect(advice.cancel).toEqual([]);
  });
});
