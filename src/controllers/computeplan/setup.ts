import type { ComputePlan } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { cacheIndex, forObjects, watch, type ControllerDefinition } from '../../runtime/controller-builder.ts';
import { keyOf } from '../../runtime/object-key.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import type { CommonParts } from '../shared/controller-parts.ts';
import { jobsOfPlanIndex, planUidOf } from '../shared/plan-jobs-index.ts';
import { planLabels } from './names.ts';
import { graphTasks } from './plan-graph.ts';
import { searchDependencies } from './search/trial-tasks.ts';
import { reconcilePlan } from './reconcile.ts';
import { apiPlanWrites } from './writes.ts';

// The ComputePlan controller: a plan is queued when it changes, when one of its Jobs changes
// (wherever it runs: the Job names its plan in labels), and when a Dataset or Algo its tasks read
// changes (readiness and authorization follow them).

/** What the ComputePlan controller is built from. */
export interface PlanControllerParts extends CommonParts {
  fileSets: { store: BlobStore } | undefined;
}

/** Index name on the plan cache: plans by the Datasets and Algos their tasks read (`ns/name`). */
const dependsOn = 'plan-depends-on';

/** The Datasets and Algos a plan's tasks name, as `namespace/name` keys; none for a spec it refuses. */
export function planDependencies(plan: Readonly<ComputePlan>): string[] {
  const namespace = plan.metadata.namespace ?? '';
  let tasks: ReturnType<typeof graphTasks>;
  try {
    tasks = graphTasks(plan.spec, plan.status?.trials);
  } catch {
    // A spec the schema would refuse has no dependencies worth watching; its reconcile says why.
    return [];
  }
  const datasets = tasks.flatMap((task) => task.inputs.flatMap((i) => (i.datasetRef ? [`${task.namespace ?? namespace}/${i.datasetRef.name}`] : [])));
  return [...new Set([...tasks.map((task) => `${namespace}/${task.algoRef.name}`), ...datasets, ...searchDependencies(plan.spec.strategy?.search, namespace)])];
}

/** The plan a task's Job reports to, wherever the plan is. */
function planOfJob(job: Readonly<TesseraJob>): string[] {
  const plan = job.metadata.labels?.[planLabels.plan];
  return plan ? [`${job.metadata.labels?.[planLabels.planNamespace] ?? ''}/${plan}`] : [];
}

/** The ComputePlan controller, as it declares itself. */
export function planController(parts: PlanControllerParts): ControllerDefinition {
  const { caches } = parts;
  const plansReading = (obj: Readonly<{ metadata?: { name?: string; namespace?: string } }>): string[] => caches.plans.byIndex(dependsOn, keyOf(obj)).map(keyOf);
  const deps = {
    plans: caches.plans,
    jobsOfPlan: (uid: string) => caches.jobs.byIndex(jobsOfPlanIndex, uid),
    algos: caches.algos,
    datasets: caches.datasets,
    namespaceUid: parts.namespaceUid,
    store: parts.fileSets?.store,
    writes: apiPlanWrites(parts.clients.custom),
    events: parts.events,
    clock: parts.clock,
  };
  return {
    name: 'computeplan',
    reconcile: (key, log) => reconcilePlan(key, log, deps),
    indexes: [cacheIndex(caches.jobs, jobsOfPlanIndex, planUidOf), cacheIndex(caches.plans, dependsOn, planDependencies)],
    watches: [forObjects(caches.plans), watch(caches.jobs, planOfJob), watch(caches.datasets, plansReading), watch(caches.algos, plansReading)],
  };
}
