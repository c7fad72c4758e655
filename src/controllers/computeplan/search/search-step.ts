import type { Algo } from '../../../api/algo.ts';
import type { ComputePlan, ComputePlanStatus, Task } from '../../../api/computeplan.ts';
import type { TesseraJob } from '../../../api/job.ts';
import { SearchEndReason, TrialState, type Search, type TrialStatus } from '../../../api/search.ts';
import type { TaskView } from '../classify.ts';
import { outputsReleasedAnnotation } from '../names.ts';
import { isActive, isDeleting } from '../task-jobs.ts';
import { advise, type Advice } from './advisor.ts';
import { bestTrialText, rankTrials, trialLeaderboard } from './ranking.ts';
import type { TrialRecord } from './trial-tasks.ts';
import { observeTrials, trialState, trialStatus, type ObservedTrial } from './trial-view.ts';
import type { SearchSituation } from './verdict.ts';

// A search plan's part of the ComputePlan's one decision (schedule.ts): the advisor's advice turned
// into what the plan records (status.trials: new trials and promotions, which the next pass creates
// Jobs for: record, then create, so a crash never starts a trial the status does not hold), the
// Jobs to cancel when time is up, the outputs to release once the search ended, and the status.
// Pure.

/** What a search plan's step reads. */
export interface SearchStepInput {
  plan: Readonly<ComputePlan>;
  search: Search;
  tasks: readonly Task[];
  views: readonly TaskView[];
  now: Date;
  algo: (name: string) => Readonly<Algo> | undefined;
  /** The plan may start trials now: not stopped, suspended or retrying. */
  mayStart: boolean;
  /** spec.cancel is set. */
  canceled: boolean;
}

/** What the search adds to the plan's decision. */
export interface SearchStep {
  /** The tasks' views once time is up (tasks without a Job never get one: canceled). */
  views: TaskView[];
  cancel: Array<Readonly<TesseraJob>>;
  release: Array<Readonly<TesseraJob>>;
  status: Pick<ComputePlanStatus, 'trials' | 'search' | 'performances' | 'best'>;
  situation: SearchSituation;
  /** When the plan must look again whatever happens (maxSeconds runs out), in ms. */
  wakeAt?: number;
}

/** GPUs one train task of the search uses: its Algo's. */
function gpusOf(algo: Readonly<Algo> | undefined): number | undefined {
  if (!algo) return undefined;
  const resources = algo.spec.resources;
  return resources?.gpu ?? resources?.accelerator?.count ?? 0;
}

/** The advice as this pass may act on it: nothing starts or goes on in a plan that may not start tasks. */
function actionable(advice: Advice, input: SearchStepInput): Advice {
  if (input.canceled) return { ...advice, start: [], promote: [], ended: { reason: SearchEndReason.Canceled, message: 'spec.cancel is set' } };
  return input.mayStart ? advice : { ...advice, start: [], promote: [] };
}

/** status.trials as recorded after this pass: promotions raise a rung, new trials join at the end. */
function recordsAfter(search: Search, records: readonly TrialRecord[], advice: Advice): TrialRecord[] {
  const promoted = new Set(advice.promote);
  // Only what decides a trial's tasks: status.trials entries also carry what was observed of them.
  const kept = records.map(({ id, params, rung }): TrialRecord => (rung === undefined ? { id, params } : { id, params, rung: promoted.has(id) ? rung + 1 : rung }));
  return [...kept, ...advice.start.map((s): TrialRecord => (search.algorithm.asha ? { id: s.id, params: s.params, rung: 0 } : { id: s.id, params: s.params }))];
}

/** Time is up: tasks without a Job never get one. */
function frozenViews(views: readonly TaskView[], advice: Advice): TaskView[] {
  if (advice.ended?.reason !== SearchEndReason.MaxSeconds) return [...views];
  return views.map((v) => (v.state === 'pending' ? { ...v, state: 'canceled' } : v));
}

/** The Jobs of the trials the advice cancels that still run and were not asked yet. */
function cancellations(trials: readonly ObservedTrial[], advice: Advice): Array<Readonly<TesseraJob>> {
  const canceled = new Set(advice.cancel);
  return trials.filter((t) => canceled.has(t.id)).flatMap((t) => t.jobs.filter((j) => isActive(j) && j.spec.cancel !== true && !isDeleting(j)));
}

const unfinishedStates = new Set<string>([TrialState.Pending, TrialState.Running, TrialState.Paused]);

/**
 * With cleanIntermediateOutputs, once the search is over, every trial but the best keepBest has
 * its outputs released: the best trials' models are the search's result and are kept.
 */
function releases(input: SearchStepInput, ranked: readonly ObservedTrial[], over: boolean): Array<Readonly<TesseraJob>> {
  if (!input.plan.spec.cleanIntermediateOutputs || !over) return [];
  const rest = ranked.slice(input.search.keepBest ?? 3);
  return rest.flatMap((t) => t.jobs.filter((j) => j.status?.phase === 'Succeeded' && j.metadata.annotations?.[outputsReleasedAnnotation] !== 'true'));
}

function searchStatus(plan: Readonly<ComputePlan>, now: Date, started: boolean, best: ObservedTrial | undefined): ComputePlanStatus['search'] {
  const startTime = plan.status?.search?.startTime ?? (started ? now.toISOString() : undefined);
  const status: NonNullable<ComputePlanStatus['search']> = {};
  if (startTime) status.startTime = startTime;
  if (best) status.bestTrial = best.id;
  return Object.keys(status).length > 0 ? status : undefined;
}

function situationOf(input: SearchStepInput, advice: Advice, entries: readonly TrialStatus[], best: string | undefined): SearchSituation {
  const count = (states: (state: string) => boolean): number => entries.filter((e) => states(e.state)).length;
  const situation: SearchSituation = {
    started: entries.length,
    maxTrials: input.search.budget.maxTrials,
    unfinished: count((s) => unfinishedStates.has(s)),
    running: count((s) => s === TrialState.Running || s === TrialState.Pending),
    succeeded: count((s) => s === TrialState.Succeeded),
  };
  if (advice.ended) situation.ended = advice.ended;
  if (best) situation.best = best;
  if (entries.length === 0 && input.search.budget.maxGPUs !== undefined && !input.algo(input.search.algo.name)) situation.waitingFor = `algo ${input.plan.metadata.namespace}/${input.search.algo.name}`;
  return situation;
}

/** The trials observed and what the advisor advises about them, as this pass may act on it. */
function advised(input: SearchStepInput): { trials: ObservedTrial[]; advice: Advice } {
  const { search, plan } = input;
  const byName = new Map(input.tasks.map((t, i) => [t.name, input.views[i]!]));
  const trials = observeTrials(search, plan.status?.trials ?? [], (name) => byName.get(name));
  // Before the search started, it starts now if anything does (the status records that).
  const started = plan.status?.search?.startTime;
  const startTime = started ? Date.parse(started) : input.now.getTime();
  const advice = advise({ search, trials, now: input.now.getTime(), startTime, gpusPerTrial: gpusOf(input.algo(search.algo.name)) });
  return { trials, advice: actionable(advice, input) };
}

/** status.trials: every trial observed, as recorded after this pass, then the new ones. */
function trialEntries(input: SearchStepInput, trials: readonly ObservedTrial[], advice: Advice): TrialStatus[] {
  const { search } = input;
  const asha = search.algorithm.asha !== undefined;
  const recorded = new Map(recordsAfter(search, input.plan.status?.trials ?? [], advice).map((r) => [r.id, r]));
  const observed = trials.map((t) => ({ ...trialStatus(t, trialState(t, advice, asha), asha), ...recorded.get(t.id) }));
  return [...observed, ...advice.start.map((s): TrialStatus => ({ ...recorded.get(s.id)!, state: TrialState.Pending }))];
}

/** The search's status fields; performances and best only once a trial scored. */
function statusOf(input: SearchStepInput, entries: TrialStatus[], ranked: readonly ObservedTrial[], best: ObservedTrial | undefined): SearchStep['status'] {
  const { search, plan } = input;
  const status: SearchStep['status'] = { trials: entries };
  const board = trialLeaderboard(search, ranked, search.namespace ?? plan.metadata.namespace ?? '');
  if (board.length > 0) status.performances = board;
  const record = searchStatus(plan, input.now, entries.length > 0, best);
  if (record) status.search = record;
  const text = bestTrialText(search, best);
  if (text) status.best = text;
  return status;
}

/** The search's part of the decision: see the file's opening comment. */
export function searchStep(input: SearchStepInput): SearchStep {
  const { search } = input;
  const { trials, advice } = advised(input);
  const entries = trialEntries(input, trials, advice);
  const ranked = rankTrials(search, trials);
  const best = ranked.find((t) => bestTrialText(search, t) !== undefined);
  const situation = situationOf(input, advice, entries, bestTrialText(search, best));
  const over = situation.ended !== undefined && situation.unfinished === 0;
  const step: SearchStep = { views: frozenViews(input.views, advice), cancel: cancellations(trials, advice), release: releases(input, ranked, over), status: statusOf(input, entries, ranked, best), situation };
  // Time can run out after the last trial started too: its running trials then stop.
  if (advice.deadline !== undefined) step.wakeAt = advice.deadline;
  return step;
}
