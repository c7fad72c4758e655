import { createHash } from 'node:crypto';

// Names, labels and annotations that tie a ComputePlan's Jobs back to it. Jobs in other namespaces
// cannot carry an ownerReference to the plan, so these labels are how the plan finds them.

/** Label keys on every Job a ComputePlan creates. */
export const planLabels = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  plan: 'tessera.dev/plan',
  planNamespace: 'tessera.dev/plan-namespace',
  planUid: 'tessera.dev/plan-uid',
  task: 'tessera.dev/task',
  round: 'tessera.dev/round',
} as const;

/** `app.kubernetes.io/managed-by` of everything Tessera creates. */
export const managedByValue = 'tessera';
/** `app.kubernetes.io/component` of a plan's Jobs. */
export const taskComponent = 'compute-plan-task';

/**
 * The finalizer on a plan's Jobs in other namespaces (no ownerReference can reach them), and on the
 * plan itself while such Jobs exist: deleting the plan deletes them first.
 */
export const planFinalizer = 'tessera.dev/compute-plan';

/**
 * Set to "true" on a task's Job once every consumer of its outputs succeeded (with
 * cleanIntermediateOutputs): the outputs' bytes may then be garbage-collected.
 */
export const outputsReleasedAnnotation = 'tessera.dev/outputs-released';

/** Kubernetes names are at most 63 characters when they must also be labels. */
const maxNameLength = 63;
const hashLength = 6;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, hashLength);
}

/**
 * The Job of one task: `<plan>-<task>-<6 hex of sha256(planUid/task/retryToken)>`, at most 63
 * characters. Deterministic, so a create repeated after a crash is AlreadyExists, not a second run;
 * the uid keeps a re-created plan of the same name from adopting old Jobs, and the retry token gives
 * a retried task a fresh Job. When it must shorten, the plan part goes first: the task part keeps
 * names of different tasks apart even where six hex digits might not.
 */
export function taskJobName(planName: string, task: string, planUid: string, retryToken: string): string {
  const suffix = `-${shortHash(`${planUid}/${task}/${retryToken}`)}`;
  const room = maxNameLength - suffix.length;
  const taskPart = task.slice(0, room);
  const planRoom = room - taskPart.length - 1;
  // Plan names start with a letter or digit, so a non-empty slice stays non-empty once trimmed.
  const stem = planRoom > 0 ? `${planName.slice(0, planRoom).replace(/[-.]+$/, '')}-${taskPart}` : taskPart;
  return `${stem}${suffix}`;
}
