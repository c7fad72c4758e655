import type * as k8s from '@kubernetes/client-node';
import { UnseenWrites } from '../runtime/unseen-writes.ts';
import type { Algo, AlgoStatus } from '../api/algo.ts';
import type { Dataset, DatasetStatus } from '../api/dataset.ts';
import type { TesseraJob } from '../api/job.ts';
import type { ComputePlan } from '../api/computeplan.ts';
import { reconcileAlgo } from '../controllers/algo/reconcile.ts';
import { planTasks } from '../controllers/computeplan/expand.ts';
import { planLabels } from '../controllers/computeplan/names.ts';
import { reconcilePlan } from '../controllers/computeplan/reconcile.ts';
import { apiPlanWrites } from '../controllers/computeplan/writes.ts';
import { namedNamespaces } from '../controllers/dataset/authorizations.ts';
import { reconcileDataset } from '../controllers/dataset/reconcile.ts';
import type { JobRuntimeConfig } from '../controllers/job/desired.ts';
import { labels } from '../controllers/job/names.ts';
import { reconcileJob, type JobReconcilerDeps } from '../controllers/job/reconcile.ts';
import { inputDependencies } from '../controllers/job/resolve.ts';
import { apiJobWrites } from '../controllers/job/writes.ts';
import { uidCreator, statusWriter } from '../controllers/shared/tessera-writes.ts';
import type { Clock } from '../runtime/clock.ts';
import { Controller, type Reconciler } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { Logger } from '../runtime/logger.ts';
import type { RuntimeMetrics } from '../runtime/metrics.ts';
import type { FileSetServices } from './file-sets.ts';
import type { Informers } from './informers.ts';
import { uidLookup } from './namespaces.ts';
import { keyOf } from '../runtime/object-key.ts';

// One Controller (work queue + workers) per kind, and the informer events that feed them: a change
// to an object queues it, a change to a child queues its owner, a change to a Dataset, Algo or
// Job queues the Jobs waiting on it, and a namespace appearing, going or coming back queues the
// Datasets whose permissions name it (they record which namespace they authorize).

/** The operator's controllers. */
export interface Controllers {
  job: Controller;
  dataset: Controller;
  algo: Controller;
  plan: Controller;
}

/** What building the controllers needs. */
export interface ControllerWiring {
  informers: Informers;
  clients: { custom: k8s.CustomObjectsApi; batch: k8s.BatchV1Api };
  fileSets: FileSetServices | undefined;
  events: Pick<EventRecorder, 'record'>;
  config: JobRuntimeConfig;
  workers: number;
  /** The landing-zone bucket Datasets index prefixes of. */
  importBucket: string;
  metrics: RuntimeMetrics;
  logger: Logger;
  clock: Clock;
}

/** Index names on the Tessera Job cache: which Jobs wait on a Dataset, Job or Algo (`ns/name`). */
const dependsOn = { dataset: 'depends-on-dataset', job: 'depends-on-job', algo: 'depends-on-algo' } as const;
/** Index name on the Dataset cache: Datasets by the namespaces their permissions name. */
const namesNamespace = 'names-namespace';
/** Index names: a plan's Jobs by its uid; plans by the Datasets and Algos their tasks read (`ns/name`). */
const planIndex = { jobs: 'plan-uid', dependency: 'plan-depends-on' } as const;

/** The Datasets and Algos a plan's tasks name, as `namespace/name` keys. */
function planDependencies(plan: Readonly<ComputePlan>): string[] {
  const namespace = plan.metadata.namespace ?? '';
  let tasks: ReturnType<typeof planTasks>;
  try {
    tasks = planTasks(plan.spec);
  } catch {
    // A spec the schema would refuse has no dependencies worth watching; its reconcile says why.
    return [];
  }
  const datasets = tasks.flatMap((task) => task.inputs.flatMap((i) => (i.datasetRef ? [`${task.namespace ?? namespace}/${i.datasetRef.name}`] : [])));
  return [...new Set([...tasks.map((task) => `${namespace}/${task.algoRef.name}`), ...datasets])];
}

function jobDeps(wiring: ControllerWiring): JobReconcilerDeps {
  const { informers, clients, fileSets } = wiring;
  return {
    jobs: informers.jobs,
    plans: informers.plans,
    batchJobs: informers.batchJobs,
    pods: informers.pods,
    lookups: {
      dataset: (ns, name) => informers.datasets.get(ns, name),
      job: (ns, name) => informers.jobs.get(ns, name),
      algo: (ns, name) => informers.algos.get(ns, name),
      namespaceUid: uidLookup(informers.namespaces),
    },
    fileSets: fileSets && { store: fileSets.store, signingKey: fileSets.signingKey, manifests: fileSets.manifests },
    writes: apiJobWrites(clients),
    events: wiring.events,
    config: wiring.config,
    clock: wiring.clock,
    unseenWrites: new UnseenWrites(wiring.clock),
  };
}

function controller(name: string, wiring: ControllerWiring, reconcile: Reconciler): Controller {
  return new Controller({ name, workers: wiring.workers, logger: wiring.logger, metrics: wiring.metrics.controller, reconcile });
}

/** Builds the controllers (not started) and connects the informers to them. */
export function makeControllers(wiring: ControllerWiring): Controllers {
  const { informers, clients, fileSets } = wiring;
  const deps = jobDeps(wiring);
  const controllers: Controllers = {
    job: controller('job', wiring, (key, log) => reconcileJob(key, log, deps)),
    dataset: controller('dataset', wiring, (key, log) =>
      reconcileDataset(key, log, {
        datasets: informers.datasets,
        jobs: informers.jobs,
        namespaceUid: uidLookup(informers.namespaces),
        fileSets: fileSets && { store: fileSets.store, manifests: fileSets.manifests },
        writeStatus: statusWriter<Dataset, DatasetStatus>(clients.custom, 'datasets'),
        createJob: uidCreator<TesseraJob>(clients.custom, 'jobs'),
        moverImage: wiring.config.moverImage,
        importBucket: wiring.importBucket,
        events: wiring.events,
        clock: wiring.clock,
      }),
    ),
    algo: controller('algo', wiring, (key, log) =>
      reconcileAlgo(key, log, { algos: informers.algos, namespaceUid: uidLookup(informers.namespaces), store: fileSets?.store, manifests: fileSets?.manifests, writeStatus: statusWriter<Algo, AlgoStatus>(clients.custom, 'algos'), events: wiring.events, clock: wiring.clock }),
    ),
    plan: controller('computeplan', wiring, (key, log) =>
      reconcilePlan(key, log, {
        plans: informers.plans,
        jobsOfPlan: (uid) => informers.jobs.byIndex(planIndex.jobs, uid),
        algos: informers.algos,
        datasets: informers.datasets,
        namespaceUid: uidLookup(informers.namespaces),
        store: fileSets?.store,
        writes: apiPlanWrites(clients.custom),
        events: wiring.events,
        clock: wiring.clock,
      }),
    ),
  };
  wireEvents(informers, controllers);
  return controllers;
}

function wireEvents(informers: Informers, controllers: Controllers): void {
  // The reconciler finds a run's pods by its Job's uid label, without scanning every pod.
  informers.pods.addIndex(labels.jobUid, (pod) => pod.metadata?.labels?.[labels.jobUid]);
  informers.jobs.addIndex(dependsOn.dataset, (job) => inputDependencies(job).datasets);
  informers.jobs.addIndex(dependsOn.job, (job) => inputDependencies(job).jobs);
  informers.jobs.addIndex(dependsOn.algo, (job) => inputDependencies(job).algos);
  informers.jobs.addIndex(planIndex.jobs, (job) => job.metadata.labels?.[planLabels.planUid]);
  informers.plans.addIndex(planIndex.dependency, planDependencies);
  informers.datasets.addIndex(namesNamespace, namedNamespaces);
  informers.namespaces.onChange((namespace) => {
    for (const dataset of informers.datasets.byIndex(namesNamespace, namespace.metadata?.name ?? '')) controllers.dataset.enqueue(keyOf(dataset));
  });
  const plansReading = (key: string): void => {
    for (const plan of informers.plans.byIndex(planIndex.dependency, key)) controllers.plan.enqueue(keyOf(plan));
  };
  informers.plans.onChange((plan, kind) => {
    controllers.plan.enqueue(keyOf(plan));
    // A plan gone without releasing its Jobs (its finalizer stripped): the Job controller lets them go.
    if (kind === 'delete') for (const job of informers.jobs.byIndex(planIndex.jobs, plan.metadata.uid ?? '')) controllers.job.enqueue(keyOf(job));
  });
  const waiting = (index: string, key: string): void => {
    for (const job of informers.jobs.byIndex(index, key)) controllers.job.enqueue(keyOf(job));
  };
  informers.jobs.onChange((job) => {
    controllers.job.enqueue(keyOf(job));
    waiting(dependsOn.job, keyOf(job));
    // An import Job reports to the Dataset that owns it.
    const dataset = job.metadata.labels?.['tessera.dev/dataset'];
    if (dataset) controllers.dataset.enqueue(`${job.metadata.namespace ?? ''}/${dataset}`);
    // A task's Job reports to its plan, wherever the plan is.
    const plan = job.metadata.labels?.[planLabels.plan];
    if (plan) controllers.plan.enqueue(`${job.metadata.labels?.[planLabels.planNamespace] ?? ''}/${plan}`);
  });
  informers.datasets.onChange((dataset) => {
    controllers.dataset.enqueue(keyOf(dataset));
    waiting(dependsOn.dataset, keyOf(dataset));
    plansReading(keyOf(dataset));
  });
  informers.algos.onChange((algo) => {
    controllers.algo.enqueue(keyOf(algo));
    waiting(dependsOn.algo, keyOf(algo));
    plansReading(keyOf(algo));
  });
  // Children name their Tessera Job in a label; that label is how their events reach its key.
  const toOwner = (child: Readonly<k8s.KubernetesObject>): void => {
    const owner = child.metadata?.labels?.[labels.job];
    if (owner) controllers.job.enqueue(`${child.metadata?.namespace ?? ''}/${owner}`);
  };
  informers.batchJobs.onChange(toOwner);
  informers.pods.onChange(toOwner);
}

/** Every controller, to run and stop together. */
export function allControllers(controllers: Controllers): Controller[] {
  return Object.values(controllers) as Controller[];
}
