import {
  ComputePlanConditionType,
  ComputePlanPhase,
  ComputePlanReason,
  type ComputePlan,
  type ComputePlanStatus,
} from '../../api/computeplan.ts';
import { mergeConditions, type ConditionUpdate } from '../shared/conditions.ts';
import type { StopCause } from './failure-policy.ts';
import { bestOf } from './leaderboard.ts';
import { boundedList } from './messages.ts';
import type { TaskSummary } from './summary.ts';
import { searchEndedCondition, searchVerdict, type SearchSituation } from './search/verdict.ts';

// A plan's phase and conditions from its task summary. The phase is for people and printer columns;
// the conditions (kstatus: Ready, Succeeded, Failed, Reconciling, Stalled) are what tools wait on.

type Phase = NonNullable<ComputePlanStatus['phase']>;

/** A phase with the reason and message people read next to it. */
export interface PlanVerdict {
  phase: Phase;
  reason: string;
  message: string;
}

/** Everything the status depends on besides the plan itself. */
export interface PlanSituation {
  summary: TaskSummary;
  /** Why nothing new starts and running Jobs are canceled, if so. */
  stop?: StopCause;
  /** Jobs a retry still waits to see deleted; undefined when no retry is under way. */
  retrying?: number;
  suspended: boolean;
  /** A problem no task can run with (CycleDetected, InvalidSpec): the plan stalls. */
  halt?: { reason: string; message: string };
  appliedRetry?: string;
  /** status.retryTokens: every retry token Jobs were named with ('' left out). */
  retryTokens?: string[];
  /** status.ignoredJobs: Jobs labelled as the plan's that it does not stand a task on. */
  ignoredJobs?: string[];
  /** status.refusedTasks: tasks whose Job the API server refused. */
  refusedTasks?: Array<{ task: string; message: string }>;
  /** A search plan's trials and budget (search/verdict.ts). */
  search?: SearchSituation;
}

const verdict = (phase: Phase, reason: string, message: string): PlanVerdict => ({ phase, reason, message });
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function doneCount(summary: TaskSummary): number {
  const { succeeded, failed, canceled } = summary.counts;
  return succeeded + failed + canceled;
}

function failedVerdict(summary: TaskSummary, phase: Phase, suffix = ''): PlanVerdict {
  const { failed, refusal } = summary;
  const reason = refusal?.reason ?? ComputePlanReason.TaskFailed;
  const detail = refusal ? `; ${refusal.message}` : '';
  return verdict(phase, reason, `${plural(failed.length, 'task')} failed: ${boundedList(failed)}${detail}${suffix}`);
}

function finishedVerdict(summary: TaskSummary): PlanVerdict | undefined {
  const { total, failed, canceled } = summary.counts;
  if (doneCount(summary) < total) return undefined;
  if (failed > 0) return failedVerdict(summary, ComputePlanPhase.Failed);
  if (canceled > 0) return verdict(ComputePlanPhase.Canceled, ComputePlanReason.Canceled, `${canceled} of ${total} tasks canceled`);
  return verdict(ComputePlanPhase.Succeeded, ComputePlanReason.Succeeded, `all ${plural(total, 'task')} succeeded`);
}

function activeVerdict(situation: PlanSituation): PlanVerdict | undefined {
  const { summary, stop, suspended } = situation;
  const active = summary.counts.queued + summary.counts.running;
  if (active === 0) return undefined;
  const jobs = plural(active, 'Job');
  if (stop === 'canceled') return verdict(ComputePlanPhase.Running, ComputePlanReason.Canceled, `canceling: ${jobs} still running`);
  if (stop === 'failedFast') return failedVerdict(summary, ComputePlanPhase.Running, `; canceling ${jobs} (FailFast)`);
  if (suspended) return verdict(ComputePlanPhase.Running, ComputePlanReason.Suspended, `suspending: ${jobs} still running, none start`);
  const { running, queued, total } = summary.counts;
  return verdict(ComputePlanPhase.Running, ComputePlanReason.Running, `${running} running, ${queued} queued, ${doneCount(summary)}/${total} done`);
}

function idleVerdict(situation: PlanSituation): PlanVerdict {
  const { summary } = situation;
  if (situation.suspended) return verdict(ComputePlanPhase.Suspended, ComputePlanReason.Suspended, 'suspended: no task starts until spec.suspend is unset');
  const done = doneCount(summary);
  const message = `${plural(summary.counts.pending, 'task')} waiting for inputs, ${done}/${summary.counts.total} done`;
  if (done > 0) return verdict(ComputePlanPhase.Running, ComputePlanReason.Running, message);
  return verdict(ComputePlanPhase.Pending, ComputePlanReason.Pending, message);
}

/**
 * The plan's phase: Failed when it cannot run at all (a cycle, an invalid spec); Running while a
 * retry clears old Jobs; once every task is done, Failed if any failed, else Canceled if any was
 * canceled, else Succeeded; Running while Jobs run; else Suspended, or Running/Pending while tasks
 * wait for inputs.
 */
export function planVerdict(situation: PlanSituation): PlanVerdict {
  const { halt, retrying, summary } = situation;
  if (halt) return verdict(ComputePlanPhase.Failed, halt.reason, halt.message);
  if (retrying !== undefined) {
    return verdict(ComputePlanPhase.Running, ComputePlanReason.Retrying, `retrying failed and canceled tasks: waiting for ${plural(retrying, 'old Job')} to be deleted`);
  }
  // A search is done when its budget is, not when the trials so far are; stopped, it ends as any plan.
  if (situation.search && !situation.stop) return searchVerdict(situation.search, summary.counts.queued + summary.counts.running, situation.suspended);
  return finishedVerdict(summary) ?? activeVerdict(situation) ?? idleVerdict(situation);
}

/** `not found: dataset org-b/cifar, algo org-a/train; 12 tasks wait for them`. */
function missingMessage(summary: TaskSummary): string {
  return `not found: ${boundedList(summary.missing)}; ${plural(summary.waitingOnMissing, 'task')} wait for them, the others go on`;
}

/** A plan that failed for good (kstatus: Stalled, so tools report it failed instead of waiting). */
function stalledUpdate(situation: PlanSituation, plan: PlanVerdict): ConditionUpdate {
  const type = ComputePlanConditionType.Stalled;
  if (situation.halt) return { type, status: 'True', ...situation.halt };
  if (situation.summary.missing.length > 0) {
    return { type, status: 'True', reason: ComputePlanReason.DependencyNotFound, message: missingMessage(situation.summary) };
  }
  return { type, status: plan.phase === ComputePlanPhase.Failed ? 'True' : 'False', reason: plan.reason, message: plan.message };
}

/**
 * Reconciling while the plan moves. A missing dependency stalls it, but while some of its Jobs still
 * run it is both (kstatus then reads Reconciling, which it lists first: the plan is progressing);
 * with nothing running it is Stalled alone, or kstatus would wait on it forever.
 */
function reconcilingStatus(situation: PlanSituation, plan: PlanVerdict, stalled: ConditionUpdate): 'True' | 'False' {
  if (plan.phase !== ComputePlanPhase.Running && plan.phase !== ComputePlanPhase.Pending) return 'False';
  const { queued, running } = situation.summary.counts;
  return stalled.status === 'True' && queued + running === 0 ? 'False' : 'True';
}

function conditionUpdates(situation: PlanSituation, plan: PlanVerdict): ConditionUpdate[] {
  const is = (phase: Phase): 'True' | 'False' => (plan.phase === phase ? 'True' : 'False');
  const { reason, message } = plan;
  const stalled = stalledUpdate(situation, plan);
  // Ready is kstatus' "reconciled": a plan whose tasks all ended, some canceled, is done too.
  const ready = plan.phase === ComputePlanPhase.Succeeded || plan.phase === ComputePlanPhase.Canceled;
  return [
    { type: ComputePlanConditionType.Ready, status: ready ? 'True' : 'False', reason, message },
    { type: ComputePlanConditionType.Succeeded, status: is(ComputePlanPhase.Succeeded), reason, message },
    { type: ComputePlanConditionType.Failed, status: is(ComputePlanPhase.Failed), reason, message },
    { type: ComputePlanConditionType.Reconciling, status: reconcilingStatus(situation, plan, stalled), reason, message },
    stalled,
    ...(situation.search ? [searchEndedCondition(situation.search)] : []),
  ];
}

/** What the plan keeps to tell its own Jobs from others': tokens, ignored Jobs, refused tasks. */
function identityRecords(situation: PlanSituation): Pick<ComputePlanStatus, 'retryTokens' | 'ignoredJobs' | 'refusedTasks'> {
  const records: Pick<ComputePlanStatus, 'retryTokens' | 'ignoredJobs' | 'refusedTasks'> = {};
  if (situation.retryTokens?.length) records.retryTokens = situation.retryTokens;
  if (situation.ignoredJobs?.length) records.ignoredJobs = situation.ignoredJobs;
  if (situation.refusedTasks?.length) records.refusedTasks = situation.refusedTasks;
  return records;
}

/**
 * The status a plan should have in `situation`. Pure: the same inputs give the same status, so the
 * reconciler writes only when it differs; lastTransitionTime moves only when a condition flips.
 */
export function planStatus(plan: Readonly<ComputePlan>, situation: PlanSituation, now: Date): ComputePlanStatus {
  const generation = plan.metadata.generation;
  const { summary } = situation;
  const verdictNow = planVerdict(situation);
  const status: ComputePlanStatus = {
    phase: verdictNow.phase,
    progress: `${doneCount(summary)}/${summary.counts.total}`,
    counts: summary.counts,
    conditions: mergeConditions(plan.status?.conditions, conditionUpdates(situation, verdictNow), { now, generation }),
  };
  if (summary.round !== undefined) status.round = summary.round;
  if (generation !== undefined) status.observedGeneration = generation;
  if (summary.performances.length > 0) status.performances = summary.performances;
  const best = bestOf(summary.performances);
  if (best) status.best = best;
  if (situation.appliedRetry !== undefined) status.appliedRetry = situation.appliedRetry;
  if (summary.failedWithoutJob.length > 0) status.failedTasks = summary.failedWithoutJob;
  return { ...status, ...identityRecords(situation) };
}
