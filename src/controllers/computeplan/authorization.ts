import type { Dataset } from '../../api/dataset.ts';

// Multi-tenancy: namespaces are organizations, and a plan computes in another organization's
// namespace only on that organization's data, with its consent. Compute goes to the data; never the
// other way round, so a plan cannot run arbitrary code in a namespace that did not invite it.

/** The Dataset lets `namespace` compute on it: public, or that namespace is named. */
export function datasetAuthorizes(dataset: Pick<Dataset, 'spec'>, namespace: string): boolean {
  const permissions = dataset.spec.permissions;
  return permissions?.public === true || (permissions?.authorizedNamespaces ?? []).includes(namespace);
}

/** A task's place and data, as authorization sees them. */
export interface TaskTenancy {
  task: string;
  /** Where the task runs. */
  namespace: string;
  /** Where the plan is. */
  planNamespace: string;
  /** The Datasets the task reads, all in `namespace`. */
  datasets: ReadonlyArray<Pick<Dataset, 'metadata' | 'spec'>>;
}

/**
 * Why the task may not run, or undefined when it may. In the plan's namespace anything goes. In
 * another namespace the task must read at least one Dataset there, and every Dataset it reads must
 * authorize the plan's namespace.
 */
export function unauthorizedReason(tenancy: TaskTenancy): string | undefined {
  const { task, namespace, planNamespace, datasets } = tenancy;
  if (namespace === planNamespace) return undefined;
  if (datasets.length === 0) {
    return `task ${task} runs in namespace ${namespace} but reads none of its Datasets: a plan of ${planNamespace} computes there only on data that authorizes it`;
  }
  const refused = datasets.filter((d) => !datasetAuthorizes(d, planNamespace)).map((d) => `${namespace}/${d.metadata.name}`);
  if (refused.length === 0) return undefined;
  return `task ${task}: Dataset ${refused.join(', ')} does not authorize namespace ${planNamespace}`;
}
