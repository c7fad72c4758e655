import { ComputePlanConditionType, ComputePlanPhase, ComputePlanReason } from '../../../api/computeplan.ts';
import { SearchEndReason } from '../../../api/search.ts';
import type { ConditionUpdate } from '../../shared/conditions.ts';
import type { SearchEnd } from './advisor.ts';

// A search plan's phase and its SearchEnded condition. A search is not done when its tasks are: it
// runs until no trial will start any more (the budget is spent, the grid is used up, time ran out)
// and every trial has finished; it succeeds when at least one trial did. Pure.

/** What the status says about a search, beside its task counts. */
export interface SearchSituation {
  /** Set once no trial will start any more. */
  ended?: SearchEnd;
  started: number;
  maxTrials: number;
  /** Trials pending, running or paused. */
  unfinished: number;
  /** Trials running (or about to). */
  running: number;
  succeeded: number;
  /** `accuracy=0.93 (t7)`. */
  best?: string;
  /** What keeps the first trials from being started (the train Algo, to learn its GPUs). */
  waitingFor?: string;
}

/** The phase, reason and message of a search plan. */
export interface SearchVerdict {
  phase: (typeof ComputePlanPhase)[keyof typeof ComputePlanPhase];
  reason: string;
  message: string;
}

const bestPart = (search: SearchSituation): string => (search.best ? `; best ${search.best}` : '');

/** `search ended (MaxTrials: budget.maxTrials (20) trials started)`. */
function endText(end: SearchEnd): string {
  return `search ended (${end.reason}: ${end.message})`;
}

/** Once ended and nothing runs: Succeeded with a best trial, else Failed. */
function endedVerdict(search: SearchSituation, end: SearchEnd): SearchVerdict {
  const trials = `${search.started} trials, ${search.succeeded} succeeded`;
  if (search.succeeded > 0) return { phase: ComputePlanPhase.Succeeded, reason: ComputePlanReason.Succeeded, message: `${endText(end)}: ${trials}${bestPart(search)}` };
  return { phase: ComputePlanPhase.Failed, reason: ComputePlanReason.NoTrialSucceeded, message: `${endText(end)}: ${trials}` };
}

/**
 * The verdict of a search plan that is neither halted, retrying nor stopped (canceled, failed
 * fast): those read as any plan's. `activeTasks` are its Jobs queued or running.
 */
export function searchVerdict(search: SearchSituation, activeTasks: number, suspended: boolean): SearchVerdict {
  if (search.ended && search.unfinished === 0 && activeTasks === 0) return endedVerdict(search, search.ended);
  if (suspended && activeTasks === 0) return { phase: ComputePlanPhase.Suspended, reason: ComputePlanReason.Suspended, message: 'suspended: no trial starts until spec.suspend is unset' };
  if (search.started === 0) return { phase: ComputePlanPhase.Pending, reason: ComputePlanReason.Pending, message: `search: no trial started yet${search.waitingFor ? `, waiting for ${search.waitingFor}` : ''}` };
  const ended = search.ended ? `${endText(search.ended)}; ` : '';
  return { phase: ComputePlanPhase.Running, reason: ComputePlanReason.Running, message: `${ended}search: ${search.started}/${search.maxTrials} trials started, ${search.running} running${bestPart(search)}` };
}

/** The SearchEnded condition: True with the budget that ended it as reason, else False (Searching). */
export function searchEndedCondition(search: SearchSituation): ConditionUpdate {
  const type = ComputePlanConditionType.SearchEnded;
  if (search.ended) return { type, status: 'True', reason: search.ended.reason, message: search.ended.message };
  return { type, status: 'False', reason: SearchEndReason.Searching, message: `${search.started} of at most ${search.maxTrials} trials started` };
}
