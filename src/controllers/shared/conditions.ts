import type { Condition } from '../../api/common.ts';

/** What a controller decides about one condition; the time and generation are filled in here. */
export interface ConditionUpdate {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Merges `updates` into `current`, keyed by type. lastTransitionTime moves only when the status
 * flips, so watchers can tell how long a condition has held; other conditions are kept as they are.
 */
export function mergeConditions(
  current: readonly Condition[] | undefined,
  updates: readonly ConditionUpdate[],
  opts: { now: Date; generation: number | undefined },
): Condition[] {
  const merged = new Map((current ?? []).map((c) => [c.type, { ...c }]));
  for (const update of updates) {
    const previous = merged.get(update.type);
    const transitioned = !previous || previous.status !== update.status;
    merged.set(update.type, {
      ...update,
      lastTransitionTime: transitioned ? opts.now.toISOString() : previous.lastTransitionTime,
      observedGeneration: opts.generation,
    });
  }
  return [...merged.values()];
}

/** The condition of `type`, if the object reports one. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether the object reports `type` as True. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}
