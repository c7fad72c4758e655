import { DatasetConditionType, DatasetReason, type Dataset, type DatasetAuthorization, type DatasetStatus } from '../../api/dataset.ts';
import type { EventDetails } from '../../runtime/events.ts';
import { findCondition, mergeConditions, type ConditionUpdate } from '../shared/conditions.ts';

// Which namespace each name in a Dataset's permissions means: the one that had that name when the
// operator first saw it named. Level-triggered, from the spec, the last status and the namespace
// cache:
// - a name the permissions list and the status records keeps its record, whatever the namespace
//   does since (deleted, or deleted and created again under another uid);
// - a name listed but not recorded is recorded with its namespace's current uid, once one exists;
// - a record whose name the permissions no longer list goes.
// So a namespace created again under an authorized name is not authorized (its uid differs), and
// the condition AuthorizationsCurrent says so, naming it. To authorize the new namespace its owner
// removes the name from the permissions, waits until status.authorizations no longer lists it, and
// adds it back: the next observation records the new uid. Pure.

/** Every namespace name the permissions list (compute and read), but the Dataset's own: that one is always allowed. */
export function namedNamespaces(dataset: Readonly<Pick<Dataset, 'metadata' | 'spec'>>): string[] {
  const permissions = dataset.spec.permissions;
  const names = new Set([...(permissions?.authorizedNamespaces ?? []), ...(permissions?.read?.authorizedNamespaces ?? [])]);
  names.delete(dataset.metadata.namespace ?? '');
  return [...names].sort();
}

/** A name recorded for one namespace that now belongs to another. */
export interface RecreatedNamespace {
  namespace: string;
  recordedUid: string;
  currentUid: string;
}

/** The authorizations a Dataset's status should record, and the names whose namespace was created again. */
export function recordAuthorizations(
  dataset: Readonly<Pick<Dataset, 'metadata' | 'spec' | 'status'>>,
  namespaceUid: (name: string) => string | undefined,
): { authorizations: DatasetAuthorization[]; recreated: RecreatedNamespace[] } {
  const recorded = new Map((dataset.status?.authorizations ?? []).map((a) => [a.namespace, a.uid]));
  const authorizations: DatasetAuthorization[] = [];
  const recreated: RecreatedNamespace[] = [];
  for (const namespace of namedNamespaces(dataset)) {
    const current = namespaceUid(namespace);
    const uid = recorded.get(namespace) ?? current;
    if (uid === undefined) continue;
    authorizations.push({ namespace, uid });
    if (current !== undefined && current !== uid) recreated.push({ namespace, recordedUid: uid, currentUid: current });
  }
  return { authorizations, recreated };
}

/** How to authorize a namespace created again, for the condition and the event. */
function reauthorizeHint(names: readonly string[]): string {
  const list = names.join(', ');
  return `to authorize the new namespace, remove ${list} from spec.permissions, wait until status.authorizations no longer lists it, then add it back`;
}

/**
 * The AuthorizationsCurrent condition, when the Dataset names other namespaces or reported one
 * before (a stale False must turn True once the names are gone); else undefined.
 */
export function authorizationsCondition(recreated: readonly RecreatedNamespace[], reportedBefore: boolean, named: number): ConditionUpdate | undefined {
  if (named === 0 && !reportedBefore) return undefined;
  if (recreated.length === 0) {
    return { type: DatasetConditionType.AuthorizationsCurrent, status: 'True', reason: DatasetReason.AuthorizationsCurrent, message: 'every namespace the permissions name is the one that was authorized' };
  }
  const names = recreated.map((r) => r.namespace);
  const which = recreated.map((r) => `${r.namespace} (authorized uid ${r.recordedUid}, now ${r.currentUid})`).join(', ');
  return {
    type: DatasetConditionType.AuthorizationsCurrent,
    status: 'False',
    reason: DatasetReason.NamespaceRecreated,
    message: `namespace ${which} was deleted and created again since this Dataset authorized it; the new namespace is not authorized: ${reauthorizeHint(names)}`.slice(0, 4096),
  };
}

/** `status` with the authorizations recorded and AuthorizationsCurrent set (see above). */
export function withAuthorizations(
  status: DatasetStatus,
  dataset: Readonly<Pick<Dataset, 'metadata' | 'spec' | 'status'>>,
  namespaceUid: (name: string) => string | undefined,
  now: Date,
): DatasetStatus {
  const { authorizations, recreated } = recordAuthorizations(dataset, namespaceUid);
  const reportedBefore = findCondition(status.conditions, DatasetConditionType.AuthorizationsCurrent) !== undefined;
  const condition = authorizationsCondition(recreated, reportedBefore, namedNamespaces(dataset).length);
  const { authorizations: _dropped, ...rest } = status;
  const conditions = condition ? mergeConditions(status.conditions, [condition], { now, generation: dataset.metadata.generation }) : status.conditions;
  return { ...rest, ...(authorizations.length > 0 ? { authorizations } : {}), ...(conditions ? { conditions } : {}) };
}

/** A Warning when a namespace the Dataset names turns out created again (or another one does); Normal when none is any more. */
export function authorizationEvent(before: DatasetStatus | undefined, after: DatasetStatus): EventDetails | undefined {
  const was = findCondition(before?.conditions, DatasetConditionType.AuthorizationsCurrent);
  const now = findCondition(after.conditions, DatasetConditionType.AuthorizationsCurrent);
  if (!now || (was?.status === now.status && was.message === now.message)) return undefined;
  if (now.status === 'False') return { type: 'Warning', reason: now.reason, action: 'Authorize', note: now.message.slice(0, 1024) };
  return was?.status === 'False' ? { type: 'Normal', reason: now.reason, action: 'Authorize', note: now.message } : undefined;
}
