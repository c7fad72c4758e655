import type * as k8s from '@kubernetes/client-node';
import type { Algo } from '../../api/algo.ts';
import type { ComputePlan } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { Predictor } from '../../api/predictor.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { WatchedCache } from '../../runtime/controller-builder.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { UidOf } from '../../storage/access.ts';
import type { ObjectCache } from './object-cache.ts';

// What the operator hands every controller's setup: the caches it keeps (to read, watch and index),
// the API clients, and the services of the process. Each setup module takes the part of this it
// needs (its own `…ControllerParts`), so the operator builds one object and never learns more.

/** A cache as controllers use it: read, watched for changes, indexed. */
export type SharedCache<T> = ObjectCache<T> & WatchedCache<T>;

/** Every cache the operator keeps, by what it holds. */
export interface TesseraCaches {
  jobs: SharedCache<TesseraJob>;
  datasets: SharedCache<Dataset>;
  algos: SharedCache<Algo>;
  plans: SharedCache<ComputePlan>;
  /** The batch Jobs Tessera created (its managed-by label). */
  batchJobs: SharedCache<k8s.V1Job>;
  /** The pods of those batch Jobs. */
  pods: SharedCache<k8s.V1Pod>;
  namespaces: SharedCache<k8s.V1Namespace>;
  predictors: SharedCache<Predictor>;
  /** The Deployments and Services Tessera created for Predictors (its managed-by label). */
  deployments: SharedCache<k8s.V1Deployment>;
  services: SharedCache<k8s.V1Service>;
}

/** What every controller may be given. */
export interface CommonParts {
  caches: TesseraCaches;
  clients: { custom: k8s.CustomObjectsApi; batch: k8s.BatchV1Api };
  /** A namespace's current uid (the namespace cache): grants and authorizations are keyed by it. */
  namespaceUid: UidOf;
  events: Pick<EventRecorder, 'record'>;
  clock: Clock;
}
