import type { Objective, Search } from '../../../api/search.ts';
import { isLiveTrial, type TrialObservation } from './observation.ts';

// Asynchronous successive halving (ASHA, Li et al. 2018) over a plan's trials. A trial runs rung
// by rung, each rung a train task with more resource (epochs or rounds) resuming from the model
// the rung before wrote; its objective at the end of a rung is its intermediate metric. When a
// slot is free, a trial in the best 1/η of those that finished its rung goes on to the next
// (highest rungs first); the others wait, and are stopped once they can no longer go on: the next
// rung is full, or their rung can get no more members and they are not in its best 1/η. Pure.

/** The reduction factor η: the best 1/η of a rung go on, with η times the resource. */
export const reductionFactor = (asha: NonNullable<Search['algorithm']['asha']>): number => asha.reductionFactor ?? 3;

/**
 * The resource of each rung: maxResource for the last, η times less for each rung below, down to
 * the last one at or above minResource. (1, 9, η 3) → 1, 3, 9; (2, 100, 3) → 3, 11, 33, 100.
 */
export function rungResources(asha: NonNullable<Search['algorithm']['asha']>): number[] {
  const eta = reductionFactor(asha);
  const ratio = asha.maxResource / asha.minResource;
  let top = 0;
  while (eta ** (top + 1) <= ratio * (1 + 1e-9)) top++;
  return Array.from({ length: top + 1 }, (_, j) => (j === top ? asha.maxResource : Math.max(asha.minResource, Math.floor(asha.maxResource / eta ** (top - j)))));
}

/**
 * How many trials each rung can hold: all of them in the first, then 1/η of the rung below
 * (rounded down), for as many rungs as the resources have and hold at least one trial.
 */
export function rungCapacities(trials: number, eta: number, rungs: number): number[] {
  const capacities: number[] = [];
  for (let n = trials; n >= 1 && capacities.length < rungs; n = Math.floor(n / eta)) capacities.push(n);
  return capacities;
}

/** Best first for the goal; trials that reported no objective last; ties by trial number. */
export function objectiveOrder(goal: Objective['goal']): (a: number | undefined, b: number | undefined) => number {
  return (a, b) => {
    if (a === undefined || b === undefined) return (a === undefined ? 1 : 0) - (b === undefined ? 1 : 0);
    return goal === 'maximize' ? b - a : a - b;
  };
}

/** What ASHA decides in one pass. */
export interface AshaStep {
  /** Trials that go on to their next rung, highest rungs first. */
  promote: string[];
  /** Trials that finished a rung and will never go on. */
  stopped: Set<string>;
  /** Trials that finished the last rung. */
  finished: Set<string>;
}

/** What one ASHA pass looks at. */
export interface AshaInput {
  trials: readonly TrialObservation[];
  eta: number;
  /** rungCapacities of the search: its length is the number of rungs trials can reach. */
  capacities: readonly number[];
  goal: Objective['goal'];
  /** No new trial will start: the first rung gets no more members. */
  noNewTrials: boolean;
  /** Trials that may go on now (free GPU slots). */
  slots: number;
}

const isLive = isLiveTrial;
/** It finished rung `j`: it is past it, or at it and done. */
const finishedRung = (t: TrialObservation, j: number): boolean => t.rung > j || (t.rung === j && t.progress === 'done');

/** The trials that finished rung `j`, best first by their objective there, and how many go on (1/η). */
function rankedAt(input: AshaInput, j: number): { ranked: TrialObservation[]; best: number } {
  const order = objectiveOrder(input.goal);
  const ranked = input.trials.filter((t) => finishedRung(t, j)).sort((a, b) => order(a.objectives[j], b.objectives[j]) || a.n - b.n);
  return { ranked, best: Math.floor(ranked.length / input.eta) };
}

/** Whether `t`, done at rung `j`, is among the best 1/η there with an objective: it may go on. */
function mayGoOn(input: AshaInput, t: TrialObservation, j: number): boolean {
  const { ranked, best } = rankedAt(input, j);
  return t.objectives[j] !== undefined && ranked.slice(0, best).includes(t);
}

/** Promotions, highest rung first, within the rung above's capacity and the free slots. */
function promotions(input: AshaInput, rung: Map<string, number>): string[] {
  const promote: string[] = [];
  let slots = input.slots;
  for (let j = input.capacities.length - 2; j >= 0 && slots > 0; j--) {
    const goneOn = input.trials.filter((t) => rung.get(t.id)! > j).length;
    const room = Math.min(slots, input.capacities[j + 1]! - goneOn);
    const { ranked, best } = rankedAt(input, j);
    const candidates = ranked.slice(0, best).filter((t) => t.rung === j && t.progress === 'done' && t.objectives[j] !== undefined);
    for (const t of candidates.slice(0, Math.max(0, room))) {
      promote.push(t.id);
      rung.set(t.id, j + 1);
      slots--;
    }
  }
  return promote;
}

/**
 * Which trials go on, which are stopped for good and which finished the last rung. Stops go rung
 * by rung upwards: a rung is closed once the rung below can send it nobody more and none of its
 * members still runs; a trial done at a rung is stopped when the next rung is full, or when its
 * rung is closed and it is not among its best 1/η.
 */
export function ashaStep(input: AshaInput): AshaStep {
  const rung = new Map(input.trials.map((t) => [t.id, t.rung]));
  const promote = promotions(input, rung);
  // A trial promoted now is about to run its next rung.
  const after: AshaInput = { ...input, trials: input.trials.map((t) => (promote.includes(t.id) ? { ...t, rung: t.rung + 1, progress: 'pending' } : t)) };
  const top = input.capacities.length - 1;
  const stopped = new Set<string>();
  let closed = input.noNewTrials;
  for (let j = 0; j < top; j++) {
    const waiting = after.trials.filter((t) => t.rung === j);
    closed &&= !waiting.some(isLive);
    const full = after.trials.filter((t) => t.rung > j).length >= input.capacities[j + 1]!;
    for (const t of waiting.filter((w) => w.progress === 'done')) if (full || (closed && !mayGoOn(after, t, j))) stopped.add(t.id);
    // The rung above gets nobody more once every trial left here is decided (stopped, failed, canceled).
    closed &&= waiting.every((t) => t.progress !== 'done' || stopped.has(t.id));
  }
  const finished = new Set(input.trials.filter((t) => t.rung === top && t.progress === 'done').map((t) => t.id));
  return { promote, stopped, finished };
}
