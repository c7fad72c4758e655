import { ComputePlanReason } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import { codeNotApproved, computeConsent, isTrainingRun, recreatedNamespace, type Requester } from '../shared/data-permissions.ts';
import type { RunCode } from '../shared/run-digest.ts';

// Multi-tenancy: namespaces are organizations, and a plan computes in another organization's
// namespace only on that organization's data, with its consent: compute permission for the plan's
// namespace, and, when the owner pins code, exactly that code. Compute goes to the data; never the
// other way round, so a plan cannot run arbitrary code in a namespace that did not invite it.
// Test-only data is never trained on, wherever the task runs. Pure.

/** A task's place, data and code, as authorization sees them. */
export interface TaskTenancy {
  task: string;
  /** Where the task runs. */
  namespace: string;
  /** Where the plan is. */
  planNamespace: string;
  /** The plan namespace's current uid (undefined: the operator's cache does not know it). */
  planNamespaceUid: string | undefined;
  /** The Datasets the task reads, all in `namespace`. */
  datasets: ReadonlyArray<Pick<Dataset, 'metadata' | 'spec' | 'status'>>;
  /** What the task runs, as a Dataset's owner approves it. */
  code: RunCode;
  /** The categories declared for the task: its role in the plan's strategy, its Algo's. */
  categories: ReadonlyArray<string | undefined>;
}

/** Why a task may never run. */
export interface TaskRefusal {
  reason: typeof ComputePlanReason.Unauthorized | typeof ComputePlanReason.InvalidSpec;
  message: string;
}

/** The reason word at the head of a refusal's message for code its data's owner did not approve. */
export const codeNotApprovedWord = 'CodeNotApproved';

const requesterOf = (tenancy: TaskTenancy): Requester => ({ name: tenancy.planNamespace, uid: tenancy.planNamespaceUid });

/**
 * The Datasets of a task in another namespace that name the plan's namespace but have not recorded
 * which namespace that is yet (data-permissions.ts): the task waits for them.
 */
export function pendingConsents(tenancy: TaskTenancy): string[] {
  if (tenancy.namespace === tenancy.planNamespace) return [];
  const requester = requesterOf(tenancy);
  return tenancy.datasets.filter((d) => computeConsent(d, requester) === 'pending').map((d) => `dataset ${tenancy.namespace}/${d.metadata.name} to record its authorization of namespace ${tenancy.planNamespace}`);
}

function consentRefusal(tenancy: TaskTenancy): TaskRefusal | undefined {
  const { task, namespace, planNamespace, datasets } = tenancy;
  if (datasets.length === 0) {
    const message = `task ${task} runs in namespace ${namespace} but reads none of its Datasets: a plan of ${planNamespace} computes there only on data that authorizes it`;
    return { reason: ComputePlanReason.Unauthorized, message };
  }
  const requester = requesterOf(tenancy);
  const refusing = datasets.filter((d) => computeConsent(d, requester) === 'no');
  const recreated = refusing.map((d) => recreatedNamespace(d, requester)).find((m) => m !== undefined);
  if (recreated) return { reason: ComputePlanReason.Unauthorized, message: `task ${task}: ${recreated}` };
  const refused = refusing.map((d) => `${namespace}/${d.metadata.name}`);
  if (refused.length > 0) return { reason: ComputePlanReason.Unauthorized, message: `task ${task}: Dataset ${refused.join(', ')} does not authorize namespace ${planNamespace}` };
  for (const dataset of datasets) {
    const refusal = codeNotApproved(dataset, planNamespace, tenancy.code);
    if (refusal) return { reason: ComputePlanReason.Unauthorized, message: `${codeNotApprovedWord}: task ${task}: ${refusal}` };
  }
  return undefined;
}

function testOnlyRefusal(tenancy: TaskTenancy): TaskRefusal | undefined {
  if (!isTrainingRun(tenancy.categories)) return undefined;
  const testOnly = tenancy.datasets.filter((d) => d.spec.testOnly === true).map((d) => `${tenancy.namespace}/${d.metadata.name}`);
  if (testOnly.length === 0) return undefined;
  const declared = tenancy.categories.filter(Boolean).join(', ') || 'none';
  return { reason: ComputePlanReason.InvalidSpec, message: `task ${tenancy.task} may learn from its data (category: ${declared}), but Dataset ${testOnly.join(', ')} is test-only` };
}

/**
 * Why the task may never run, or undefined when it may. In the plan's namespace the plan is the
 * data's owner. In another namespace the task must read at least one Dataset there, every one must
 * authorize the plan's namespace to compute and approve the task's code when it pins code.
 * Anywhere, a task that may learn from its data reads no test-only Dataset.
 */
export function taskRefusal(tenancy: TaskTenancy): TaskRefusal | undefined {
  const consent = tenancy.namespace === tenancy.planNamespace ? undefined : consentRefusal(tenancy);
  return consent ?? testOnlyRefusal(tenancy);
}
