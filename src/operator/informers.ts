import type * as k8s from '@kubernetes/client-node';
import type { Algo } from '../api/algo.ts';
import type { ComputePlan } from '../api/computeplan.ts';
import type { Dataset } from '../api/dataset.ts';
import type { TesseraJob } from '../api/job.ts';
import type { Predictor } from '../api/predictor.ts';
import { labels, managedByValue } from '../controllers/job/names.ts';
import { ResilientInformer } from '../runtime/informer.ts';
import { trimBatchJob, trimDeployment, trimNamespace, trimPod, trimService, trimTesseraObject } from './cache-trim.ts';
import type { Logger } from '../runtime/logger.ts';

// Every cache the operator keeps: the five Tessera kinds, the batch Jobs, pods, Deployments and Services it created
// (selected by label, so the operator never holds the cluster's other pods in memory, and trimmed to
// what it reads of them; the Tessera kinds without kubectl's last-applied copy), and the namespaces, trimmed to their names and uids: grants and Dataset
// authorizations are keyed by a namespace's uid, so one created again under the same name is a
// stranger (namespaces.ts).

/** The API clients informers list with. */
export interface ListClients {
  custom: k8s.CustomObjectsApi;
  batch: k8s.BatchV1Api;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
}

/** The operator's caches. */
export interface Informers {
  jobs: ResilientInformer<TesseraJob>;
  datasets: ResilientInformer<Dataset>;
  algos: ResilientInformer<Algo>;
  plans: ResilientInformer<ComputePlan>;
  batchJobs: ResilientInformer<k8s.V1Job>;
  pods: ResilientInformer<k8s.V1Pod>;
  namespaces: ResilientInformer<k8s.V1Namespace>;
  predictors: ResilientInformer<Predictor>;
  deployments: ResilientInformer<k8s.V1Deployment>;
  services: ResilientInformer<k8s.V1Service>;
}

const managedSelector = `${labels.managedBy}=${managedByValue}`;

function tesseraInformer<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, clients: ListClients, plural: string, logger: Logger): ResilientInformer<T> {
  return new ResilientInformer<T>({
    kc,
    name: `${plural}.tessera.dev`,
    path: `/apis/tessera.dev/v1alpha1/${plural}`,
    list: async () => (await clients.custom.listClusterCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural })) as { items: T[] },
    trim: trimTesseraObject,
    logger,
  });
}

/** Creates (does not start) every informer. */
export function makeInformers(kc: k8s.KubeConfig, clients: ListClients, logger: Logger): Informers {
  return {
    jobs: tesseraInformer<TesseraJob>(kc, clients, 'jobs', logger),
    datasets: tesseraInformer<Dataset>(kc, clients, 'datasets', logger),
    algos: tesseraInformer<Algo>(kc, clients, 'algos', logger),
    plans: tesseraInformer<ComputePlan>(kc, clients, 'computeplans', logger),
    batchJobs: new ResilientInformer<k8s.V1Job>({
      kc,
      name: 'jobs.batch',
      path: '/apis/batch/v1/jobs',
      labelSelector: managedSelector,
      list: () => clients.batch.listJobForAllNamespaces({ labelSelector: managedSelector }),
      trim: trimBatchJob,
      logger,
    }),
    pods: new ResilientInformer<k8s.V1Pod>({
      kc,
      name: 'pods',
      path: '/api/v1/pods',
      labelSelector: managedSelector,
      list: () => clients.core.listPodForAllNamespaces({ labelSelector: managedSelector }),
      trim: trimPod,
      logger,
    }),
    predictors: tesseraInformer<Predictor>(kc, clients, 'predictors', logger),
    // A Predictor's Deployment and Service, by the same label as batch Jobs and pods.
    deployments: new ResilientInformer<k8s.V1Deployment>({
      kc,
      name: 'deployments.apps',
      path: '/apis/apps/v1/deployments',
      labelSelector: managedSelector,
      list: () => clients.apps.listDeploymentForAllNamespaces({ labelSelector: managedSelector }),
      trim: trimDeployment,
      logger,
    }),
    services: new ResilientInformer<k8s.V1Service>({
      kc,
      name: 'services',
      path: '/api/v1/services',
      labelSelector: managedSelector,
      list: () => clients.core.listServiceForAllNamespaces({ labelSelector: managedSelector }),
      trim: trimService,
      logger,
    }),
    namespaces: new ResilientInformer<k8s.V1Namespace>({
      kc,
      name: 'namespaces',
      path: '/api/v1/namespaces',
      list: () => clients.core.listNamespace(),
      trim: trimNamespace,
      logger,
    }),
  };
}

/** Every informer, for starting, stopping and readiness. */
export function allInformers(informers: Informers): Array<ResilientInformer<k8s.KubernetesObject>> {
  return Object.values(informers) as Array<ResilientInformer<k8s.KubernetesObject>>;
}
