import type { TesseraJob } from '../../api/job.ts';
import { JobPhase } from '../../api/job.ts';
import { planLabels } from './names.ts';

// Which observed Job stands for each task. A task may briefly have more than one: a retry creates a
// Job under a new name while the old one is still being deleted, and a Job that succeeded under an
// older retry token keeps standing for its task.

/** Where a task is, as the plan counts it. */
export type TaskState = 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** A Job's run, as the plan counts tasks: not created yet is `pending`, elsewhere. */
export function jobState(job: Readonly<TesseraJob>): Exclude<TaskState, 'pending'> {
  switch (job.status?.phase) {
    case JobPhase.Succeeded:
      return 'succeeded';
    case JobPhase.Failed:
      return 'failed';
    case JobPhase.Canceled:
      return 'canceled';
    case JobPhase.Downloading:
    case JobPhase.Running:
    case JobPhase.Uploading:
      return 'running';
    default:
      return 'queued';
  }
}

/** Still running or waiting to: it holds a slot of the plan's parallelism. */
export function isActive(job: Readonly<TesseraJob>): boolean {
  const state = jobState(job);
  return state === 'queued' || state === 'running';
}

/** The API server has been asked to delete it; it lingers while finalizers run. */
export function isDeleting(job: Readonly<TesseraJob>): boolean {
  return job.metadata.deletionTimestamp !== undefined && job.metadata.deletionTimestamp !== null;
}

/** A succeeded run beats a live one, which beats a failed or canceled one. */
function standing(job: Readonly<TesseraJob>): number {
  const state = jobState(job);
  if (state === 'succeeded') return 2;
  return state === 'failed' || state === 'canceled' ? 0 : 1;
}

/** Whether `candidate` rather than `current` stands for their task. */
export function stands(candidate: Readonly<TesseraJob>, current: Readonly<TesseraJob> | undefined): boolean {
  if (!current) return true;
  const [a, b] = [standing(candidate), standing(current)];
  // Ties go to the smaller name, so the choice does not depend on the order the cache lists Jobs in.
  return a > b || (a === b && candidate.metadata.name < current.metadata.name);
}

/**
 * The Job that stands for each task, by task name: of the plan's Jobs (its uid label) that are not
 * being deleted, a succeeded one, else a live one, else a failed or canceled one.
 */
export function jobsByTask(jobs: ReadonlyArray<Readonly<TesseraJob>>, planUid: string): Map<string, Readonly<TesseraJob>> {
  const byTask = new Map<string, Readonly<TesseraJob>>();
  for (const job of jobs) {
    const task = job.metadata.labels?.[planLabels.task];
    if (task === undefined || job.metadata.labels?.[planLabels.planUid] !== planUid || isDeleting(job)) continue;
    if (stands(job, byTask.get(task))) byTask.set(task, job);
  }
  return byTask;
}

/** The plan's Jobs (by uid label), in any state, being deleted or not. */
export function ownJobs(jobs: ReadonlyArray<Readonly<TesseraJob>>, planUid: string): Array<Readonly<TesseraJob>> {
  return jobs.filter((job) => job.metadata.labels?.[planLabels.planUid] === planUid);
}
