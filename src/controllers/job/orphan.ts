import type { TesseraJob } from '../../api/job.ts';
import { planFinalizer, planLabels } from '../computeplan/names.ts';

// A plan's Jobs in other namespaces carry its finalizer, and the plan removes it when it deletes
// them. If the plan went without doing so (its own finalizer stripped by its owner, or deleted while
// no operator ran), nothing would ever remove it: the Job would run on and block its namespace's
// deletion. So the Job controller checks, by uid, that the plan behind the finalizer still exists.

/** Which plan a Job's finalizer waits for. */
export interface PlanRef {
  namespace: string;
  name: string;
  uid: string;
}

/** What the plan finalizer on a Job means now. */
export type PlanLink =
  /** No plan finalizer: nothing to check. */
  | { kind: 'none' }
  /** The plan is in the cache, same uid: it will release the Job itself. */
  | { kind: 'alive' }
  /** The cache has no such plan (or another by that name): ask the API server before acting. */
  | { kind: 'check'; plan: PlanRef }
  /** The finalizer names no plan at all: nothing will ever release it. */
  | { kind: 'orphan' };

/** The plan behind `job`'s finalizer, as its labels name it. `cachedUid` looks a plan up in the cache. */
export function planLink(job: Readonly<TesseraJob>, cachedUid: (namespace: string, name: string) => string | undefined): PlanLink {
  if (!job.metadata.finalizers?.includes(planFinalizer)) return { kind: 'none' };
  const labels = job.metadata.labels ?? {};
  const [namespace, name, uid] = [labels[planLabels.planNamespace], labels[planLabels.plan], labels[planLabels.planUid]];
  if (!namespace || !name || !uid) return { kind: 'orphan' };
  if (cachedUid(namespace, name) === uid) return { kind: 'alive' };
  // The cache may lag the API server (a plan just created elsewhere): a live read decides.
  return { kind: 'check', plan: { namespace, name, uid } };
}
