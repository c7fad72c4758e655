import * as k8s from '@kubernetes/client-node';
import type { Algo } from '../../api/algo.ts';
import type { ComputePlan } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import { listVisible, type Scope, type Visible } from './visible.ts';

// The dashboard's reads of the cluster, with the user's own credentials: Tessera's kinds and
// Warning events, across whatever namespaces the user may list.

const group = 'tessera.dev';
const version = 'v1alpha1';

/** The reads the views need. */
export interface ClusterReads {
  plans(): Promise<Visible<ComputePlan>>;
  jobs(labelSelector?: string): Promise<Visible<TesseraJob>>;
  datasets(): Promise<Visible<Dataset>>;
  algos(): Promise<Visible<Algo>>;
  warnings(): Promise<Visible<k8s.CoreV1Event>>;
  plan(namespace: string, name: string): Promise<ComputePlan>;
  job(namespace: string, name: string): Promise<TesseraJob>;
  eventsOf(namespace: string, uid: string): Promise<k8s.CoreV1Event[]>;
}

/** Reads as the user of `kc`, within `scope`. */
export function clusterReads(kc: k8s.KubeConfig, scope: Scope): ClusterReads {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const tessera = <T>(plural: string, labelSelector?: string): Promise<Visible<T>> => listVisible<T>(scope, {
    all: async () => ((await custom.listClusterCustomObject({ group, version, plural, labelSelector })) as { items: T[] }).items,
    in: async (namespace) => ((await custom.listNamespacedCustomObject({ group, version, plural, namespace, labelSelector })) as { items: T[] }).items,
  });
  const fieldSelector = 'type=Warning';
  return {
    plans: () => tessera<ComputePlan>('computeplans'),
    jobs: (labelSelector) => tessera<TesseraJob>('jobs', labelSelector),
    datasets: () => tessera<Dataset>('datasets'),
    algos: () => tessera<Algo>('algos'),
    warnings: () => listVisible(scope, {
      all: async () => (await core.listEventForAllNamespaces({ fieldSelector })).items,
      in: async (namespace) => (await core.listNamespacedEvent({ namespace, fieldSelector })).items,
    }),
    plan: async (namespace, name) => (await custom.getNamespacedCustomObject({ group, version, plural: 'computeplans', namespace, name })) as ComputePlan,
    job: async (namespace, name) => (await custom.getNamespacedCustomObject({ group, version, plural: 'jobs', namespace, name })) as TesseraJob,
    eventsOf: async (namespace, uid) => (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${uid}` })).items,
  };
}
