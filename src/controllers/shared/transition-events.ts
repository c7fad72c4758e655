import type { Condition } from '../../api/common.ts';
import type { EventDetails, EventSubject } from '../../runtime/events.ts';

// Events for Datasets and ComputePlans, derived from how their Ready/Failed/Stalled conditions
// change: people read `kubectl events` to learn what went wrong and when. Pure.

/** The Event subject of any Tessera object. */
export function subjectOf(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string } }): EventSubject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name, uid: obj.metadata.uid ?? '', resourceVersion: obj.metadata.resourceVersion };
}

function find(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Reasons that are progress, not problems, even when a condition says False. */
const progressReasons: ReadonlySet<string> = new Set(['Importing', 'Indexing', 'Running', 'Pending', 'Reconciling', 'Suspended', 'Retrying']);

/**
 * The Event for a change of conditions, if any: a condition that turned True on `goodType` is a
 * Normal event; `badType` turning True, or `goodType` turning False for a reason that is not mere
 * progress, is a Warning. Unchanged reasons give none, so a reconcile never repeats an event.
 */
export function conditionEvent(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
  types: { good: string; bad: string },
): EventDetails | undefined {
  return badTurnedTrue(before, after, types.bad) ?? goodChanged(find(before, types.good), find(after, types.good));
}

function changed(was: Condition | undefined, now: Condition): boolean {
  return was?.status !== now.status || was.reason !== now.reason;
}

function badTurnedTrue(before: readonly Condition[] | undefined, after: readonly Condition[] | undefined, type: string): EventDetails | undefined {
  const bad = find(after, type);
  if (bad?.status !== 'True' || !changed(find(before, type), bad)) return undefined;
  return { type: 'Warning', reason: bad.reason, action: 'Reconcile', note: bad.message };
}

function goodChanged(was: Condition | undefined, good: Condition | undefined): EventDetails | undefined {
  if (!good || !changed(was, good)) return undefined;
  if (good.status === 'True') return { type: 'Normal', reason: good.reason, action: 'Reconcile', note: good.message };
  if (progressReasons.has(good.reason)) return undefined;
  return { type: 'Warning', reason: good.reason, action: 'Reconcile', note: good.message };
}
