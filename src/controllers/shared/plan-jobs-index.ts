import type { TesseraJob } from '../../api/job.ts';
import { planLabels } from '../computeplan/names.ts';

// One index two controllers read: the plan's reconciler lists its Jobs by it, and the Job controller
// finds the Jobs of a plan that went without releasing them. Both declare it from this definition.

/** Index name on the Job cache: a plan's Jobs, in every namespace, by the plan's uid. */
export const jobsOfPlanIndex = 'plan-uid';

/** The uid of the plan a Job was created for (its label). */
export function planUidOf(job: Readonly<TesseraJob>): string | undefined {
  return job.metadata.labels?.[planLabels.planUid];
}
