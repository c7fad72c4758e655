import type { ComputePlanStatus, Performance, Task, TaskCounts } from '../../api/computeplan.ts';
import { ComputePlanReason, maxFailedTasks } from '../../api/computeplan.ts';
import type { TaskView } from './classify.ts';
import { leaderboard, performanceRows, type ScoredTask } from './leaderboard.ts';

// A plan's tasks boiled down to what its status says: counts, what is missing, what failed, the
// round, the leaderboard. Sizes here are bounded by the caller's messages, never by listing tasks.

/** What the status says about a plan's tasks. */
export interface TaskSummary {
  counts: Required<TaskCounts>;
  /** Everything pending tasks wait for that does not exist, each once: `dataset org-b/cifar`. */
  missing: string[];
  /** How many pending tasks wait for something missing. */
  waitingOnMissing: number;
  /** Failed tasks as `name (reason)`, in plan order. */
  failed: string[];
  /** Tasks that failed without a Job, with why (status.failedTasks), at most maxFailedTasks. */
  failedWithoutJob: NonNullable<ComputePlanStatus['failedTasks']>;
  /** The first failure that is the plan's to fix, not the task's: Unauthorized, InvalidSpec, NameTaken. */
  refusal?: { reason: string; message: string };
  round?: number;
  performances: Performance[];
}

function emptyCounts(total: number): Required<TaskCounts> {
  return { total, pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
}

/** Unfinished tasks set the round: the lowest they are in; once all are done, the highest. */
export function currentRound(tasks: ReadonlyArray<Pick<Task, 'round'>>, views: readonly Pick<TaskView, 'state'>[]): number | undefined {
  let lowestUnfinished: number | undefined;
  let highest: number | undefined;
  tasks.forEach(({ round }, i) => {
    if (round === undefined) return;
    highest = Math.max(highest ?? round, round);
    const state = views[i]!.state;
    const unfinished = state === 'pending' || state === 'queued' || state === 'running';
    if (unfinished) lowestUnfinished = Math.min(lowestUnfinished ?? round, round);
  });
  return lowestUnfinished ?? highest;
}

function failureOf(task: Readonly<Task>, view: TaskView): string {
  const reason = view.refusal?.reason ?? (view.readiness?.kind === 'failed' ? view.readiness.reason : (view.job?.status?.reason ?? ComputePlanReason.TaskFailed));
  return `${task.name} (${reason})`;
}

class Summarizer {
  readonly summary: TaskSummary;
  private readonly missing = new Set<string>();

  constructor(total: number) {
    this.summary = { counts: emptyCounts(total), missing: [], waitingOnMissing: 0, failed: [], failedWithoutJob: [], performances: [] };
  }

  add(task: Readonly<Task>, view: TaskView): void {
    this.summary.counts[view.state]++;
    if (view.state === 'failed') this.addFailure(task, view);
    const readiness = view.readiness;
    if (view.state !== 'pending' || readiness?.kind !== 'waiting' || readiness.missing.length === 0) return;
    this.summary.waitingOnMissing++;
    for (const item of readiness.missing) this.missing.add(item);
  }

  finish(): TaskSummary {
    this.summary.missing = [...this.missing];
    return this.summary;
  }

  private addFailure(task: Readonly<Task>, view: TaskView): void {
    this.summary.failed.push(failureOf(task, view));
    const why = view.refusal ?? (view.readiness?.kind === 'failed' ? { reason: view.readiness.reason, message: view.readiness.message } : undefined);
    if (!why) return;
    this.summary.refusal ??= { ...why };
    if (this.summary.failedWithoutJob.length < maxFailedTasks) this.summary.failedWithoutJob.push({ task: task.name, reason: why.reason, message: why.message.slice(0, 1024) });
  }
}

/** The summary of `tasks` with their `views` (same order): counts, missing, failures, round, leaderboard. */
export function summarizeTasks(tasks: ReadonlyArray<Readonly<Task>>, views: readonly TaskView[]): TaskSummary {
  const summarizer = new Summarizer(tasks.length);
  const scored: ScoredTask[] = [];
  tasks.forEach((task, i) => {
    const view = views[i]!;
    summarizer.add(task, view);
    if (view.state === 'succeeded' && view.job) scored.push({ task, job: view.job });
  });
  const summary = summarizer.finish();
  summary.round = currentRound(tasks, views);
  summary.performances = leaderboard(performanceRows(scored));
  return summary;
}
