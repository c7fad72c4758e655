import type { TesseraJob } from '../../../api/job.ts';
import { TrialState, type Search, type TrialStatus } from '../../../api/search.ts';
import type { TaskView } from '../classify.ts';
import type { Advice } from './advisor.ts';
import type { TrialObservation, TrialProgress } from './observation.ts';
import { trialTaskName, type TrialRecord } from './trial-tasks.ts';

// A search's trials as observed through their tasks' views: where each trial's current rung is,
// its objective at each rung, when it started and ended, and the status.trials entry that says so.
// Pure.

/** A trial, observed, with what status.trials and the reconciler need beyond the advisor's view. */
export interface ObservedTrial extends TrialObservation {
  /** Its Jobs, every rung. */
  jobs: Array<Readonly<TesseraJob>>;
  /** The task whose metrics scored it at each finished rung. */
  scoredBy: ReadonlyArray<string | undefined>;
}

/** The tasks of one rung of a trial: its train, and its test with testAlgo. */
function rungTaskNames(search: Search, trial: string, rung: number): string[] {
  const train = trialTaskName(search, trial, rung, 'train');
  return search.testAlgo ? [train, trialTaskName(search, trial, rung, 'test')] : [train];
}

/** Where a rung's tasks are, from their views (a task without one has not been seen yet: pending). */
export function rungProgress(views: ReadonlyArray<TaskView | undefined>): TrialProgress {
  const states = views.map((v) => v?.state ?? 'pending');
  if (states.includes('failed')) return 'failed';
  if (states.includes('canceled')) return 'canceled';
  if (states.every((s) => s === 'succeeded')) return 'done';
  return states.every((s) => s === 'pending') ? 'pending' : 'active';
}

/** The objective a succeeded task's Job reported, if it did. */
function objectiveOf(search: Search, view: TaskView | undefined): number | undefined {
  if (view?.state !== 'succeeded') return undefined;
  return view.job?.status?.metrics?.[search.objective.metric];
}

/** Each recorded trial, observed through `view` (a task's view by name). */
export function observeTrials(search: Search, records: readonly TrialRecord[], view: (task: string) => TaskView | undefined): ObservedTrial[] {
  return records.map((record, n) => {
    const rung = record.rung ?? 0;
    const objectives: Array<number | undefined> = [];
    const scoredBy: Array<string | undefined> = [];
    const jobs: Array<Readonly<TesseraJob>> = [];
    for (let r = 0; r <= rung; r++) {
      const names = rungTaskNames(search, record.id, r);
      for (const name of names) if (view(name)?.job) jobs.push(view(name)!.job!);
      const scorer = names.at(-1)!;
      objectives.push(objectiveOf(search, view(scorer)));
      scoredBy.push(view(scorer)?.state === 'succeeded' ? scorer : undefined);
    }
    const progress = rungProgress(rungTaskNames(search, record.id, rung).map(view));
    return { id: record.id, n: Number(record.id.slice(1)) || n, params: record.params, rung, progress, objectives, scoredBy, jobs };
  });
}

/** The trial's state, given what the advisor decided about it. */
export function trialState(trial: TrialObservation, advice: Pick<Advice, 'promote' | 'stopped' | 'finished'>, ranked: boolean): TrialStatus['state'] {
  if (trial.progress === 'failed') return TrialState.Failed;
  if (trial.progress === 'canceled' || advice.stopped.has(trial.id)) return TrialState.Stopped;
  if (trial.progress === 'pending') return trial.rung === 0 ? TrialState.Pending : TrialState.Running;
  if (trial.progress === 'active' || advice.promote.includes(trial.id)) return TrialState.Running;
  return !ranked || advice.finished.has(trial.id) ? TrialState.Succeeded : TrialState.Paused;
}

/** The objective at the highest rung it finished with one, and the rung. */
export function latestObjective(trial: Pick<TrialObservation, 'objectives'>): { value: number; rung: number } | undefined {
  for (let r = trial.objectives.length - 1; r >= 0; r--) {
    const value = trial.objectives[r];
    if (value !== undefined) return { value, rung: r };
  }
  return undefined;
}

const timeOf = (value: unknown): number | undefined => (typeof value === 'string' || value instanceof Date ? Date.parse(String(value instanceof Date ? value.toISOString() : value)) : undefined);

/** When its first Job started (or was created) and, if every one has ended, when the last did. */
export function trialTimes(jobs: ReadonlyArray<Readonly<TesseraJob>>): { start?: number; end?: number } {
  const starts = jobs.map((j) => timeOf(j.status?.startTime) ?? timeOf(j.metadata.creationTimestamp)).filter((t): t is number => t !== undefined && !Number.isNaN(t));
  const ends = jobs.map((j) => timeOf(j.status?.completionTime));
  const times: { start?: number; end?: number } = {};
  if (starts.length > 0) times.start = Math.min(...starts);
  if (ends.length > 0 && ends.every((t) => t !== undefined && !Number.isNaN(t))) times.end = Math.max(...(ends as number[]));
  return times;
}

const finalStates = new Set<string>([TrialState.Succeeded, TrialState.Failed, TrialState.Stopped]);

/** The status.trials entry of a trial. */
export function trialStatus(trial: ObservedTrial, state: TrialStatus['state'], asha: boolean): TrialStatus {
  const entry: TrialStatus = { id: trial.id, params: trial.params, state };
  if (asha) entry.rung = trial.rung;
  const objective = latestObjective(trial);
  if (objective) entry.objective = objective.value;
  const { start, end } = trialTimes(trial.jobs);
  if (start !== undefined) entry.startTime = new Date(start).toISOString();
  if (start !== undefined && end !== undefined && finalStates.has(state)) entry.durationSeconds = Math.max(0, Math.round((end - start) / 1000));
  return entry;
}
