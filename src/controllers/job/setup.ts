import type { TesseraJob } from '../../api/job.ts';
import { cacheIndex, forObjects, watch, type ControllerDefinition } from '../../runtime/controller-builder.ts';
import { keyOf } from '../../runtime/object-key.ts';
import { UnseenWrites } from '../../runtime/unseen-writes.ts';
import type { CommonParts } from '../shared/controller-parts.ts';
import { jobsOfPlanIndex, planUidOf } from '../shared/plan-jobs-index.ts';
import type { JobRuntimeConfig } from './desired.ts';
import { labels } from './names.ts';
import { reconcileJob, type FileSetDeps, type JobReconcilerDeps } from './reconcile.ts';
import { inputDependencies } from './resolve.ts';
import { apiJobWrites } from './writes.ts';

// The Job controller: a Tessera Job is queued when it changes, when what it waits on (a Dataset, an
// Algo, another Job) changes, when its plan goes without releasing it, and when its batch Job or
// pods change (they name it in a label).

/** What the Job controller is built from. */
export interface JobControllerParts extends CommonParts {
  fileSets: FileSetDeps | undefined;
  config: JobRuntimeConfig;
}

/** Index names on the Job cache: which Jobs wait on a Dataset, Job or Algo (`ns/name`). */
const dependsOn = { dataset: 'depends-on-dataset', job: 'depends-on-job', algo: 'depends-on-algo' } as const;

/** The Job a batch Job or pod was created for, by its label. */
function ownerKey(child: Readonly<{ metadata?: { namespace?: string; labels?: Record<string, string> } }>): string[] {
  const owner = child.metadata?.labels?.[labels.job];
  return owner ? [`${child.metadata?.namespace ?? ''}/${owner}`] : [];
}

/** The Job controller, as it declares itself. */
export function jobController(parts: JobControllerParts): ControllerDefinition {
  const { caches } = parts;
  const waitingOn = (index: string) => (obj: Readonly<{ metadata?: { name?: string; namespace?: string } }>) => caches.jobs.byIndex(index, keyOf(obj)).map(keyOf);
  const deps: JobReconcilerDeps = {
    jobs: caches.jobs,
    plans: caches.plans,
    batchJobs: caches.batchJobs,
    pods: caches.pods,
    lookups: {
      dataset: (ns: string, name: string) => caches.datasets.get(ns, name),
      job: (ns: string, name: string) => caches.jobs.get(ns, name),
      algo: (ns: string, name: string) => caches.algos.get(ns, name),
      namespaceUid: parts.namespaceUid,
    },
    fileSets: parts.fileSets && { store: parts.fileSets.store, signingKey: parts.fileSets.signingKey, manifests: parts.fileSets.manifests },
    writes: apiJobWrites(parts.clients),
    events: parts.events,
    config: parts.config,
    clock: parts.clock,
    unseenWrites: new UnseenWrites(parts.clock),
  };
  return {
    name: 'job',
    reconcile: (key, log) => reconcileJob(key, log, deps),
    indexes: [
      // The reconciler finds a run's pods by its Job's uid label, without scanning every pod.
      cacheIndex(caches.pods, labels.jobUid, (pod) => pod.metadata?.labels?.[labels.jobUid]),
      cacheIndex(caches.jobs, dependsOn.dataset, (job: Readonly<TesseraJob>) => inputDependencies(job).datasets),
      cacheIndex(caches.jobs, dependsOn.job, (job: Readonly<TesseraJob>) => inputDependencies(job).jobs),
      cacheIndex(caches.jobs, dependsOn.algo, (job: Readonly<TesseraJob>) => inputDependencies(job).algos),
      cacheIndex(caches.jobs, jobsOfPlanIndex, planUidOf),
    ],
    watches: [
      forObjects(caches.jobs),
      watch(caches.jobs, waitingOn(dependsOn.job)),
      watch(caches.datasets, waitingOn(dependsOn.dataset)),
      watch(caches.algos, waitingOn(dependsOn.algo)),
      // A plan gone without releasing its Jobs (its finalizer stripped): the Job controller lets them go.
      watch(caches.plans, (plan, kind) => (kind === 'delete' ? caches.jobs.byIndex(jobsOfPlanIndex, plan.metadata.uid ?? '').map(keyOf) : [])),
      watch(caches.batchJobs, ownerKey),
      watch(caches.pods, ownerKey),
    ],
  };
}
