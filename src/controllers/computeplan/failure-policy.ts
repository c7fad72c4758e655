import { FailurePolicy, type ComputePlanSpec } from '../../api/computeplan.ts';
import type { TaskState } from './task-jobs.ts';

// What a failed (or canceled) task does to the rest of the plan. Whatever the policy, a task whose
// parent failed or was canceled can never get its inputs: it is counted canceled. FailFast goes
// further and stops everything on the first failure; spec.cancel stops everything regardless.

/** Why a plan stops starting tasks and cancels its running ones. */
export type StopCause = 'canceled' | 'failedFast';

/** A task never runs once a parent failed or was canceled. */
export function blockedByParents(parentStates: Iterable<TaskState>): boolean {
  for (const state of parentStates) if (state === 'failed' || state === 'canceled') return true;
  return false;
}

/**
 * Whether the plan stops: spec.cancel always, FailFast (the default) as soon as any task failed,
 * ContinueIndependent never (failures only block their descendants). A search's trials are
 * independent and a failed one is part of searching: unless told FailFast, a search goes on.
 */
export function stopCause(spec: Pick<ComputePlanSpec, 'cancel' | 'failurePolicy' | 'strategy'>, anyFailed: boolean): StopCause | undefined {
  if (spec.cancel) return 'canceled';
  const policy = spec.failurePolicy ?? (spec.strategy?.search ? FailurePolicy.ContinueIndependent : FailurePolicy.FailFast);
  return policy === FailurePolicy.FailFast && anyFailed ? 'failedFast' : undefined;
}

/** In a stopped plan a task that has no Job yet never gets one: it counts as canceled. */
export function stoppedState(state: TaskState): TaskState {
  return state === 'pending' ? 'canceled' : state;
}
