import type { AlgoCategory } from '../../api/algo.ts';
import type { Dataset } from '../../api/dataset.ts';
import { isApprovedRun, runDigest, type RunCode } from './run-digest.ts';

// What a Dataset's owner allows, asked the same way by plain Jobs and by ComputePlans. Two levels:
// compute (`permissions.public`, `.authorizedNamespaces`: runs on the data in the data's namespace,
// on behalf of those namespaces, which receive only outputs) and read (`permissions.read`: the raw
// bytes pulled into pods of those namespaces). Read includes compute. The owner's own namespace may
// do both. `approvedCode` restricts every run on behalf of another namespace, read or compute; the
// owner's own runs are exempt: whoever administers the namespace holds the bytes anyway.
// Pure.

type PermissionsOf = Pick<Dataset, 'metadata' | 'spec'>;

/** Whether `namespace` may pull the Dataset's raw bytes into its own pods. */
export function mayRead(dataset: Readonly<PermissionsOf>, namespace: string): boolean {
  if (dataset.metadata.namespace === namespace) return true;
  const read = dataset.spec.permissions?.read;
  return read?.public === true || (read?.authorizedNamespaces ?? []).includes(namespace);
}

/** Whether runs on behalf of `namespace` may compute on the Dataset in its own namespace. */
export function mayCompute(dataset: Readonly<PermissionsOf>, namespace: string): boolean {
  const permissions = dataset.spec.permissions;
  return permissions?.public === true || (permissions?.authorizedNamespaces ?? []).includes(namespace) || mayRead(dataset, namespace);
}

/** Why the Dataset's owner does not approve `run` on behalf of `namespace`, or undefined when it does. */
export function codeNotApproved(dataset: Readonly<PermissionsOf>, namespace: string, run: RunCode): string | undefined {
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
