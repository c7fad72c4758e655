import type { ComputePlanStatus } from '../../api/computeplan.ts';
import { jsonEqual } from '../../runtime/apply.ts';

/**
 * How often a running plan's progress alone may be written. Every status write of a plan carries
 * its whole spec (108 KiB at 1,000 tasks) through the API server, etcd and every watcher, and a
 * plan's counts move with each of its Jobs: ~2.7 writes per task, measured. Kubernetes' Job
 * controller batches its pod-driven status writes the same way (1 s).
 */
export const progressWriteIntervalMs = 1000;

/** The fields that only report how far the plan got; a change confined to them may wait. */
const progressFields = new Set<string>(['progress', 'counts', 'conditions']);

type Condition = NonNullable<ComputePlanStatus['conditions']>[number];

/** The same conditions but for their messages, which quote the counts ("3 running, … 5/10 done"). */
function sameConditionStates(before: readonly Condition[] = [], after: readonly Condition[] = []): boolean {
  if (before.length !== after.length) return false;
  return before.every((condition, i) => jsonEqual({ ...condition, message: undefined }, { ...after[i], message: undefined }));
}

/** Whether `after` differs from `before` only in what a plan's progress changes. */
export function isProgressOnly(before: Readonly<ComputePlanStatus>, after: Readonly<ComputePlanStatus>): boolean {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ComputePlanStatus>;
  for (const field of fields) {
    if (!progressFields.has(field) && !jsonEqual(before[field], after[field])) return false;
  }
  return sameConditionStates(before.conditions, after.conditions);
}

/** What a changed status asks for: written now, or after `waitMs` (a later pass writes it, fresher). */
export type StatusPace = { write: 'now' } | { write: 'later'; waitMs: number };

/**
 * When to write a plan's changed status: at once when anything but its progress changed (a phase, a
 * condition's state, the identity records its Jobs are judged by, the leaderboard), or when its last
 * write is at least progressWriteIntervalMs old; otherwise once that interval has passed.
 */
export function statusPace(before: Readonly<ComputePlanStatus> | undefined, after: Readonly<ComputePlanStatus>, lastWriteMs: number | undefined, nowMs: number): StatusPace {
  if (before === undefined || lastWriteMs === undefined || !isProgressOnly(before, after)) return { write: 'now' };
  const waitMs = lastWriteMs + progressWriteIntervalMs - nowMs;
  return waitMs > 0 ? { write: 'later', waitMs } : { write: 'now' };
}
