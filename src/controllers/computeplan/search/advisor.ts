import { SearchEndReason, type Params, type Search } from '../../../api/search.ts';
import { ashaStep, reductionFactor, rungCapacities, rungResources } from './asha.ts';
import { isLiveTrial, type TrialObservation } from './observation.ts';
import { pointCount, trialPoint } from './space.ts';

// The search's advisor: given the spec and the trials so far, which trials start next, which go on
// to a further rung or stop (ASHA), and whether the budget is spent and which part of it ended the
// search. Pure and deterministic for a seed: the same trials and clock give the same advice.

/** A new trial: its id and parameters. */
export interface TrialStart {
  id: string;
  n: number;
  params: Params;
}

/** Why no trial will start any more, for the SearchEnded condition. */
export interface SearchEnd {
  reason: (typeof SearchEndReason)[keyof typeof SearchEndReason];
  message: string;
}

/** What the advisor saw. */
export interface AdvisorInput {
  search: Search;
  /** Every trial started so far, in order. */
  trials: readonly TrialObservation[];
  /** Now, in ms since the epoch. */
  now: number;
  /** When the search started (its first trial was recorded), in ms; undefined before. */
  startTime: number | undefined;
  /** GPUs one trial's train task uses (its Algo's); undefined while the Algo is not known. */
  gpusPerTrial: number | undefined;
}

/** What to do now. */
export interface Advice {
  start: TrialStart[];
  /** Trials that go on to their next rung (ASHA). */
  promote: string[];
  /** Trials that will never go on: ASHA's weakest, or every unfinished one once time is up. */
  stopped: Set<string>;
  /** Trials that finished their last rung (ASHA). */
  finished: Set<string>;
  /** Trials whose running tasks are canceled: time is up. */
  cancel: string[];
  /** Set once no trial will start any more. */
  ended?: SearchEnd;
  /** When maxSeconds runs out (ms), while it has not: the plan looks again then. */
  deadline?: number;
}

/** The trial id of trial number n. */
export const trialId = (n: number): string => `t${n}`;

/** The most trials running at once under maxGPUs: undefined when no trial may start (yet), with why. */
function gpuCapacity(input: AdvisorInput): { capacity: number; ended?: SearchEnd } {
  const { maxGPUs } = input.search.budget;
  if (maxGPUs === undefined) return { capacity: Infinity };
  const gpus = input.gpusPerTrial;
  // The Algo is not there yet: wait for it, rather than guess what a trial uses.
  if (gpus === undefined) return { capacity: 0 };
  if (gpus === 0) return { capacity: Infinity };
  if (gpus > maxGPUs) return { capacity: 0, ended: { reason: SearchEndReason.MaxGPUs, message: `a trial uses ${gpus} GPUs, more than budget.maxGPUs (${maxGPUs}): none can start` } };
  return { capacity: Math.floor(maxGPUs / gpus) };
}

/** How many trials the search may start in all, and what ends it when they have: maxTrials or a used-up grid. */
function trialLimit(search: Search): { limit: number; reason: SearchEnd['reason'] } {
  const points = pointCount(search);
  return points < search.budget.maxTrials ? { limit: points, reason: SearchEndReason.Exhausted } : { limit: search.budget.maxTrials, reason: SearchEndReason.MaxTrials };
}

function deadlineOf(input: AdvisorInput): number | undefined {
  const { maxSeconds } = input.search.budget;
  return maxSeconds === undefined || input.startTime === undefined ? undefined : input.startTime + maxSeconds * 1000;
}

/** Time is up: nothing starts or goes on; every trial not finished stops, its running tasks canceled. */
function timeUp(input: AdvisorInput): Advice {
  const finished = input.trials.filter((t) => t.progress === 'done' && isLastRung(input.search, t));
  const unfinished = input.trials.filter((t) => t.progress !== 'failed' && !finished.includes(t));
  return {
    start: [],
    promote: [],
    stopped: new Set(unfinished.map((t) => t.id)),
    finished: new Set(finished.map((t) => t.id)),
    cancel: input.trials.filter(isLiveTrial).map((t) => t.id),
    ended: { reason: SearchEndReason.MaxSeconds, message: `budget.maxSeconds (${input.search.budget.maxSeconds}) ran out after ${input.trials.length} trials` },
  };
}

/** The number of rungs trials can reach (1 without ASHA). */
export function rungCount(search: Search, limit: number): number {
  const asha = search.algorithm.asha;
  return asha ? rungCapacities(limit, reductionFactor(asha), rungResources(asha).length).length : 1;
}

function isLastRung(search: Search, t: TrialObservation): boolean {
  return t.rung >= rungCount(search, trialLimit(search).limit) - 1;
}

/** New trials, numbered on from the last, within the slots and the limit. */
function newTrials(search: Search, started: number, room: number): TrialStart[] {
  const start: TrialStart[] = [];
  for (let n = started; start.length < room; n++) {
    const params = trialPoint(search, n);
    if (!params) break;
    start.push({ id: trialId(n), n, params });
  }
  return start;
}

/** The end, once every trial the budget allows has started. */
function endOf(started: number, limit: { limit: number; reason: SearchEnd['reason'] }): SearchEnd | undefined {
  if (started < limit.limit) return undefined;
  const why = limit.reason === SearchEndReason.Exhausted ? `every point of the grid (${limit.limit}) was tried` : `budget.maxTrials (${limit.limit}) trials started`;
  return { reason: limit.reason, message: why };
}

/**
 * The advice: once maxSeconds ran out (and the search is not over already), stop everything; else ASHA's promotions take free slots
 * first (the highest rungs first), then new trials, up to maxTrials (or the grid's size) and as many
 * running at once as maxGPUs fits. The search has ended once no trial will start any more.
 */
export function advise(input: AdvisorInput): Advice {
  const deadline = deadlineOf(input);
  const advice = withinTime(input);
  // A search already over stays over as it ended: time running out later changes nothing.
  if (deadline !== undefined && input.now >= deadline && !isOver(input, advice)) return timeUp(input);
  if (deadline !== undefined) advice.deadline = deadline;
  return advice;
}

/** Whether the search is over: no trial will start or go on, and every trial finished or stopped. */
function isOver(input: AdvisorInput, advice: Advice): boolean {
  const settled = (t: TrialObservation): boolean => !isLiveTrial(t) && (t.progress !== 'done' || advice.finished.has(t.id) || advice.stopped.has(t.id));
  return advice.ended !== undefined && advice.start.length === 0 && advice.promote.length === 0 && input.trials.every(settled);
}

/** The advice while time is left. */
function withinTime(input: AdvisorInput): Advice {
  const { search, trials } = input;
  const gpu = gpuCapacity(input);
  const limit = trialLimit(search);
  let slots = Math.max(0, gpu.capacity - trials.filter(isLiveTrial).length);
  const asha = search.algorithm.asha;
  const step = asha
    ? ashaStep({ trials, eta: reductionFactor(asha), capacities: rungCapacities(limit.limit, reductionFactor(asha), rungResources(asha).length), goal: search.objective.goal, noNewTrials: trials.length >= limit.limit || gpu.ended !== undefined, slots })
    : { promote: [], stopped: new Set<string>(), finished: new Set(trials.filter((t) => t.progress === 'done').map((t) => t.id)) };
  slots -= step.promote.length;
  const start = gpu.ended ? [] : newTrials(search, trials.length, Math.min(slots, limit.limit - trials.length));
  const advice: Advice = { start, promote: step.promote, stopped: step.stopped, finished: step.finished, cancel: [] };
  const ended = gpu.ended ?? endOf(trials.length + start.length, limit);
  if (ended) advice.ended = ended;
  return advice;
}
