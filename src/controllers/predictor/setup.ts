import type * as k8s from '@kubernetes/client-node';
import type { Predictor } from '../../api/predictor.ts';
import { cacheIndex, forObjects, watch, type ControllerDefinition } from '../../runtime/controller-builder.ts';
import { keyOf } from '../../runtime/object-key.ts';
import type { CommonParts } from '../shared/controller-parts.ts';
import { jobsOfPlanIndex } from '../shared/plan-jobs-index.ts';
import type { JobRuntimeConfig } from '../job/desired.ts';
import { predictorKeyOf } from './names.ts';
import { reconcilePredictor, type PredictorFileSets, type PredictorReconcilerDeps } from './reconcile.ts';
import { predictorDependencies } from './resolve.ts';
import { apiPredictorWrites } from './writes.ts';

// The Predictor controller: a Predictor is queued when it changes, when what its model or server
// comes from (a Job, a ComputePlan or its Jobs, an Algo) changes, and when its Deployment or
// Service changes (they name it in a label; controller-runtime's Owns).

/** What the Predictor controller is built from. */
export interface PredictorControllerParts extends CommonParts {
  clients: CommonParts['clients'] & { apps: k8s.AppsV1Api; core: k8s.CoreV1Api };
  fileSets: PredictorFileSets | undefined;
  config: JobRuntimeConfig;
}

/** Index names on the Predictor cache: which Predictors read a Job, plan or Algo (`ns/name`). */
const readsFrom = { job: 'predictor-reads-job', plan: 'predictor-reads-plan', algo: 'predictor-reads-algo' } as const;

/** The `ns/name` key of the plan a Job was created for (its labels), if any. */
function planKeyOfJob(job: Readonly<{ metadata: { labels?: Record<string, string> } }>): string | undefined {
  const labels = job.metadata.labels ?? {};
  const [plan, namespace] = [labels['tessera.dev/plan'], labels['tessera.dev/plan-namespace']];
  return plan && namespace ? `${namespace}/${plan}` : undefined;
}

/** The Predictor controller, as it declares itself. */
export function predictorController(parts: PredictorControllerParts): ControllerDefinition {
  const { caches } = parts;
  const reading = (index: string) => (key: string | undefined) => (key ? caches.predictors.byIndex(index, key).map(keyOf) : []);
  const deps: PredictorReconcilerDeps = {
    predictors: caches.predictors,
    deployments: caches.deployments,
    services: caches.services,
    lookups: {
      job: (ns, name) => caches.jobs.get(ns, name),
      plan: (ns, name) => caches.plans.get(ns, name),
      jobsOfPlan: (uid) => caches.jobs.byIndex(jobsOfPlanIndex, uid),
      algo: (ns, name) => caches.algos.get(ns, name),
    },
    namespaceUid: parts.namespaceUid,
    fileSets: parts.fileSets,
    writes: apiPredictorWrites(parts.clients),
    events: parts.events,
    config: parts.config,
    clock: parts.clock,
  };
  return {
    name: 'predictor',
    reconcile: (key, log) => reconcilePredictor(key, log, deps),
    indexes: [
      cacheIndex(caches.predictors, readsFrom.job, (p: Readonly<Predictor>) => predictorDependencies(p).jobs),
      cacheIndex(caches.predictors, readsFrom.plan, (p: Readonly<Predictor>) => predictorDependencies(p).plans),
      cacheIndex(caches.predictors, readsFrom.algo, (p: Readonly<Predictor>) => predictorDependencies(p).algos),
    ],
    watches: [
      forObjects(caches.predictors),
      watch(caches.jobs, (job) => [...reading(readsFrom.job)(keyOf(job)), ...reading(readsFrom.plan)(planKeyOfJob(job))]),
      watch(caches.plans, (plan) => reading(readsFrom.plan)(keyOf(plan))),
      watch(caches.algos, (algo) => reading(readsFrom.algo)(keyOf(algo))),
      watch(caches.deployments, predictorKeyOf),
      watch(caches.services, predictorKeyOf),
    ],
  };
}
