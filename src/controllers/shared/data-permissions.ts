import type { AlgoCategory } from '../../api/algo.ts';
import type { Dataset } from '../../api/dataset.ts';
import { isApprovedRun, runDigest, type RunCode } from './run-digest.ts';

// What a Dataset's owner allows, asked the same way by plain Jobs and by ComputePlans. Two levels:
// compute (`permissions.public`, `.authorizedNamespaces`: runs on the data in the data's namespace,
// on behalf of those namespaces, which receive only outputs) and read (`permissions.read`: the raw
// bytes pulled into pods of those namespaces). Read includes compute. The owner's own namespace may
// do both. `approvedCode` restricts every run on behalf of another namespace, read or compute; the
// owner's own runs are exempt: whoever administers the namespace holds the bytes anyway.
//
// A namespace named in the permissions is authorized only as the namespace it was when the operator
// first saw it named: the Dataset controller records its uid in status.authorizations
// (dataset/authorizations.ts), and the asking namespace's current uid must equal it. A name not
// recorded yet is pending (the controller has not seen it, or the namespace does not exist yet):
// callers wait. A namespace deleted and created again has another uid, and is refused. `public`
// means every namespace, whatever its uid. Pure.

type PermissionsOf = Pick<Dataset, 'metadata' | 'spec' | 'status'>;

/** A namespace asking for a Dataset, with its current uid (undefined: the operator's cache does not know it). */
export interface Requester {
  name: string;
  uid: string | undefined;
}

/** A Dataset's answer: yes, no, or not known until its status records the name. */
export type Consent = 'yes' | 'no' | 'pending';

function namedConsent(dataset: Readonly<PermissionsOf>, names: readonly string[] | undefined, requester: Requester): Consent {
  if (!names?.includes(requester.name)) return 'no';
  const recorded = dataset.status?.authorizations?.find((a) => a.namespace === requester.name);
  // Recorded, the name means one namespace for good: none, if the cache knows no namespace of that name.
  if (!recorded) return 'pending';
  return recorded.uid === requester.uid ? 'yes' : 'no';
}

const either = (a: Consent, b: Consent): Consent => (a === 'yes' || b === 'yes' ? 'yes' : a === 'pending' || b === 'pending' ? 'pending' : 'no');

/** Whether `requester` may pull the Dataset's raw bytes into its own pods. */
export function readConsent(dataset: Readonly<PermissionsOf>, requester: Requester): Consent {
  if (dataset.metadata.namespace === requester.name) return 'yes';
  const read = dataset.spec.permissions?.read;
  return read?.public === true ? 'yes' : namedConsent(dataset, read?.authorizedNamespaces, requester);
}

/** Whether runs on behalf of `requester` may compute on the Dataset in its own namespace. */
export function computeConsent(dataset: Readonly<PermissionsOf>, requester: Requester): Consent {
  const permissions = dataset.spec.permissions;
  if (permissions?.public === true) return 'yes';
  return either(namedConsent(dataset, permissions?.authorizedNamespaces, requester), readConsent(dataset, requester));
}

/** Whether `requester` may pull the Dataset's raw bytes into its own pods (now: pending is no). */
export function mayRead(dataset: Readonly<PermissionsOf>, requester: Requester): boolean {
  return readConsent(dataset, requester) === 'yes';
}

/** Whether runs on behalf of `requester` may compute on the Dataset in its own namespace (now: pending is no). */
export function mayCompute(dataset: Readonly<PermissionsOf>, requester: Requester): boolean {
  return computeConsent(dataset, requester) === 'yes';
}

/**
 * When the Dataset authorized a namespace of `requester`'s name that was deleted since (its recorded
 * uid is not the requester's), what to tell the requester; else undefined.
 */
export function recreatedNamespace(dataset: Readonly<PermissionsOf>, requester: Requester): string | undefined {
  const recorded = dataset.status?.authorizations?.find((a) => a.namespace === requester.name);
  if (!recorded || requester.uid === undefined || recorded.uid === requester.uid) return undefined;
  return `namespace ${requester.name} was deleted and created again since Dataset ${dataset.metadata.namespace}/${dataset.metadata.name} authorized it (uid ${recorded.uid}, now ${requester.uid}): the new namespace is not authorized until the Dataset's owner re-authorizes it`;
}

/** Why the Dataset's owner does not approve `run` on behalf of `namespace`, or undefined when it does. */
export function codeNotApproved(dataset: Readonly<Pick<Dataset, 'metadata' | 'spec'>>, namespace: string, run: RunCode): string | undefined {
  const approved = dataset.spec.permissions?.approvedCode;
  if (approved === undefined || dataset.metadata.namespace === namespace || isApprovedRun(approved, run)) return undefined;
  return `Dataset ${dataset.metadata.namespace}/${dataset.metadata.name} does not approve this code (run digest ${runDigest(run)}, image ${run.image}); its owner may add the digest to spec.permissions.approvedCode`;
}

/** The label that says what a Job does with its data; Jobs without it count as training. */
export const categoryLabel = 'tessera.dev/category';

/** Algo categories that do not learn from their data; train, composite and anything unknown do. */
const nonTrainingCategories: ReadonlySet<string> = new Set<string>(['aggregate', 'predict', 'metric'] satisfies Array<(typeof AlgoCategory)[keyof typeof AlgoCategory]>);

/**
 * Whether a run may learn from its data, and so may not read a test-only Dataset: when any category
 * declared for it (its label, its Algo's) is not a known non-training one, or none is declared at
 * all — a run that says nothing may do anything.
 */
export function isTrainingRun(categories: ReadonlyArray<string | undefined>): boolean {
  const declared = categories.filter((c): c is string => c !== undefined && c !== '');
  return declared.length === 0 || declared.some((c) => !nonTrainingCategories.has(c));
}
