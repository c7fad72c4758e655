import type { TesseraJob } from '../../api/job.ts';
import type { TaskView } from './classify.ts';
import type { PlanDag } from './dag.ts';
import { outputsReleasedAnnotation } from './names.ts';

// cleanIntermediateOutputs: a task's outputs are needed until every task that reads them succeeded
// (a failed reader may be retried and read them again). Outputs nobody reads are the plan's results
// and are kept.

/**
 * The Jobs whose outputs may now be released and are not marked so yet: succeeded, read by at least
 * one task, and every reader succeeded. O(tasks + edges).
 */
export function outputsToRelease(dag: PlanDag, views: readonly TaskView[]): Array<Readonly<TesseraJob>> {
  const released: Array<Readonly<TesseraJob>> = [];
  views.forEach((view, i) => {
    const readers = dag.children[i]!;
    if (view.state !== 'succeeded' || !view.job || readers.length === 0) return;
    if (view.job.metadata.annotations?.[outputsReleasedAnnotation] === 'true') return;
    if (readers.every((r) => views[r]!.state === 'succeeded')) released.push(view.job);
  });
  return released;
}
