import { describe, expect, it } from 'vitest';
import { ashaStep, objectiveOrder, rungCapacities, rungResources, type AshaInput } from './asha.ts';
import type { TrialObservation, TrialProgress } from './observation.ts';

/** Trial n at `rung`, its current rung `progress`, with objectives by rung. */
function trial(n: number, rung: number, progress: TrialProgress, ...objectives: Array<number | undefined>): TrialObservation {
  return { id: `t${n}`, n, params: {}, rung, progress, objectives };
}

/** Nine trials done at rung 0 scoring 0.1 … 0.9 (t8 best), η 3, capacities 9, 3, 1. */
const rung0Done = (): TrialObservation[] => Array.from({ length: 9 }, (_, n) => trial(n, 0, 'done', (n + 1) / 10));
const input = (trials: TrialObservation[], over: Partial<AshaInput> = {}): AshaInput => ({ trials, eta: 3, capacities: [9, 3, 1], goal: 'maximize', noNewTrials: true, slots: Infinity, ...over });

describe('rungs', () => {
  it('run from maxResource down by η to the last at or above minResource', () => {
    expect(rungResources({ minResource: 1, maxResource: 9 })).toEqual([1, 3, 9]);
    expect(rungResources({ minResource: 1, maxResource: 10 })).toEqual([1, 3, 10]);
    expect(rungResources({ minResource: 2, maxResource: 100, reductionFactor: 3 })).toEqual([3, 11, 33, 100]);
    expect(rungResources({ minResource: 1, maxResource: 16, reductionFactor: 2 })).toEqual([1, 2, 4, 8, 16]);
    expect(rungResources({ minResource: 1, maxResource: 2, reductionFactor: 3 })).toEqual([2]);
  });

  it('hold every trial in the first and 1/η of the rung below after, while at least one fits', () => {
    expect(rungCapacities(9, 3, 3)).toEqual([9, 3, 1]);
    expect(rungCapacities(27, 3, 3)).toEqual([27, 9, 3]);
    expect(rungCapacities(4, 3, 5)).toEqual([4, 1]);
    expect(rungCapacities(2, 3, 3)).toEqual([2]);
  });

  it('rank toward the goal, trials without an objective last', () => {
    expect([0.2, undefined, 0.9, 0.5].sort(objectiveOrder('maximize'))).toEqual([0.9, 0.5, 0.2, undefined]);
    expect([0.2, undefined, 0.9, 0.5].sort(objectiveOrder('minimize'))).toEqual([0.2, 0.5, 0.9, undefined]);
  });
});

describe('ASHA', () => {
  it('promotes the top 1/η of a finished rung and stops the rest', () => {
    const step = ashaStep(input(rung0Done()));
    expect(step.promote).toEqual(['t8', 't7', 't6']);
    expect([...step.stopped].sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
  });

  it('minimizes when the goal says so', () => {
    const step = ashaStep(input(rung0Done(), { goal: 'minimize' }));
    expect(step.promote).toEqual(['t0', 't1', 't2']);
  });

  it('promotes asynchronously: the best of the first η finished go on before the rung is full', () => {
    const trials = [trial(0, 0, 'done', 0.3), trial(1, 0, 'done', 0.8), trial(2, 0, 'done', 0.5), trial(3, 0, 'active'), trial(4, 0, 'pending')];
    const step = ashaStep(input(trials, { noNewTrials: false }));
    expect(step.promote).toEqual(['t1']);
    // The others may still make the top third once more trials finish: they wait, not stopped.
    expect(step.stopped.size).toBe(0);
  });

  it('stops no trial while its rung can still grow, and stops the weakest once it cannot', () => {
    const early = [trial(0, 0, 'done', 0.3), trial(1, 0, 'done', 0.8), trial(2, 0, 'done', 0.5), trial(3, 0, 'active')];
    expect(ashaStep(input(early)).stopped.size).toBe(0);
    const late = [trial(0, 0, 'done', 0.3), trial(1, 1, 'active', 0.8), trial(2, 0, 'done', 0.5), trial(3, 0, 'done', 0.1)];
    const step = ashaStep(input(late, { capacities: [4, 1, 0].filter(Boolean) }));
    expect(step.promote).toEqual([]);
    // The next rung is full (1 of 1): every other trial is stopped.
    expect([...step.stopped].sort()).toEqual(['t0', 't2', 't3']);
  });

  it('promotes no more than the next rung holds, and within the free slots', () => {
    expect(ashaStep(input(rung0Done(), { slots: 2 })).promote).toEqual(['t8', 't7']);
    const step = ashaStep(input(rung0Done(), { slots: 0 }));
    expect(step.promote).toEqual([]);
    // Waiting for a slot, the best third is not stopped; the rest is.
    expect([...step.stopped].sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
  });

  it('fills the highest rung first when slots are short', () => {
    const trials = [...rung0Done().map((t) => (t.n >= 6 ? { ...t, rung: 1, objectives: [t.objectives[0], t.n / 10] } : t))];
    const step = ashaStep(input(trials, { slots: 1 }));
    expect(step.promote).toEqual(['t8']);
  });

  it('never promotes a trial that reported no objective, and stops it once its rung is closed', () => {
    const trials = [trial(0, 0, 'done', undefined), trial(1, 0, 'done', undefined), trial(2, 0, 'done', undefined)];
    const step = ashaStep(input(trials, { capacities: [3, 1] }));
    expect(step.promote).toEqual([]);
    expect(step.stopped.size).toBe(3);
  });

  it('reports trials done at the last rung as finished, and stops those below it once decided', () => {
    const trials = [trial(0, 2, 'done', 0.1, 0.2, 0.95), trial(1, 1, 'done', 0.5, 0.4), trial(2, 1, 'done', 0.6, 0.3), trial(3, 0, 'done', 0.2)];
    const step = ashaStep(input(trials, { capacities: [9, 3, 1] }));
    expect([...step.finished]).toEqual(['t0']);
    expect(step.promote).toEqual([]);
    expect(step.stopped.has('t1') && step.stopped.has('t2')).toBe(true);
  });

  it('leaves failed trials out of the next rung', () => {
    const trials = [trial(0, 0, 'failed'), trial(1, 0, 'done', 0.4), trial(2, 0, 'done', 0.5)];
    const step = ashaStep(input(trials, { capacities: [3, 1] }));
    // Two finished: floor(2/3) = 0 go on, and nothing more will finish.
    expect(step.promote).toEqual([]);
    expect([...step.stopped].sort()).toEqual(['t1', 't2']);
  });
});
