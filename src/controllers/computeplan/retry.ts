import { createHash } from 'node:crypto';
import { maxRetryTokenLength, retryAnnotation, type ComputePlan } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { isDeleting, jobState } from './task-jobs.ts';

// Retry: a new value of the plan's retry annotation re-runs its failed and canceled tasks. Their Jobs
// are deleted first, and only once they are gone does the plan take the new value as its retry
// token, so new Jobs get new names and no old failure is counted against the new run. Succeeded
// Jobs stay, with their outputs, whatever token they were created under.

/** The annotation's value as status.appliedRetry keeps it: verbatim, or hashed when long. */
export function retryTokenOf(annotation: string | undefined): string | undefined {
  if (annotation === undefined || annotation.length <= maxRetryTokenLength) return annotation;
  return `sha256:${createHash('sha256').update(annotation).digest('hex')}`;
}

/** What a retry asks of this reconcile. */
export interface RetryStep {
  /** The token new Jobs are named with. */
  token: string;
  /** status.appliedRetry once this reconcile is written. */
  appliedRetry: string | undefined;
  /** Jobs of failed and canceled tasks are still there: create nothing yet. */
  pending: boolean;
  /** How many such Jobs are still there, being deleted or not. */
  remaining: number;
  /** Jobs to delete now (those already being deleted are not repeated). */
  deletions: Array<Readonly<TesseraJob>>;
}

/** A Job a retry removes: failed, canceled, or on its way to canceled. */
function isRetried(job: Readonly<TesseraJob>): boolean {
  const state = jobState(job);
  return state === 'failed' || state === 'canceled' || job.spec.cancel === true;
}

/**
 * The retry step of a reconcile, given the plan's own Jobs. Nothing to do when the annotation is
 * unset or already applied, or while the plan is canceled (a retry then would only delete the
 * record of the cancel); else delete the Jobs of failed and canceled tasks, and apply the new token
 * once none is left.
 */
export function retryStep(plan: Readonly<ComputePlan>, jobs: ReadonlyArray<Readonly<TesseraJob>>): RetryStep {
  const applied = plan.status?.appliedRetry;
  const requested = retryTokenOf(plan.metadata.annotations?.[retryAnnotation]);
  const settled: RetryStep = { token: applied ?? '', appliedRetry: applied, pending: false, remaining: 0, deletions: [] };
  if (requested === undefined || requested === applied || plan.spec.cancel) return settled;
  const retried = jobs.filter(isRetried);
  if (retried.length === 0) return { ...settled, token: requested, appliedRetry: requested };
  return { ...settled, pending: true, remaining: retried.length, deletions: retried.filter((job) => !isDeleting(job)) };
}
