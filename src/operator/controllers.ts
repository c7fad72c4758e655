import type * as k8s from '@kubernetes/client-node';
import { algoController } from '../controllers/algo/setup.ts';
import { planController } from '../controllers/computeplan/setup.ts';
import { datasetController } from '../controllers/dataset/setup.ts';
import { jobController, type JobControllerParts } from '../controllers/job/setup.ts';
import { predictorController } from '../controllers/predictor/setup.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Controller } from '../runtime/controller.ts';
import { buildController } from '../runtime/controller-builder.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { Logger } from '../runtime/logger.ts';
import type { RuntimeMetrics } from '../runtime/metrics.ts';
import type { FileSetServices } from './file-sets.ts';
import type { Informers } from './informers.ts';
import { uidLookup } from './namespaces.ts';

// The operator registers its controllers; each declares in its own setup module
// (src/controllers/<kind>/setup.ts) what it reconciles, which changes queue its keys and which
// cache indexes it reads. Nothing here knows a controller's labels, indexes or watches.

/** The operator's controllers. */
export interface Controllers {
  job: Controller;
  dataset: Controller;
  algo: Controller;
  plan: Controller;
  predictor: Controller;
}

/** What building the controllers needs. */
export interface ControllerWiring {
  informers: Informers;
  clients: { custom: k8s.CustomObjectsApi; batch: k8s.BatchV1Api; apps: k8s.AppsV1Api; core: k8s.CoreV1Api };
  fileSets: FileSetServices | undefined;
  events: Pick<EventRecorder, 'record'>;
  config: JobControllerParts['config'];
  workers: number;
  /** The landing-zone bucket Datasets index prefixes of. */
  importBucket: string;
  metrics: RuntimeMetrics;
  logger: Logger;
  clock: Clock;
}

/** Builds the controllers (not started), their indexes added and their watches connected. */
export function makeControllers(wiring: ControllerWiring): Controllers {
  const { informers, clients, fileSets, events, config, importBucket, clock } = wiring;
  const parts = { caches: informers, clients, fileSets, events, config, importBucket, clock, namespaceUid: uidLookup(informers.namespaces) };
  const runtime = { workers: wiring.workers, logger: wiring.logger, metrics: wiring.metrics.controller };
  return {
    job: buildController(jobController(parts), runtime),
    dataset: buildController(datasetController(parts), runtime),
    algo: buildController(algoController(parts), runtime),
    plan: buildController(planController(parts), runtime),
    predictor: buildController(predictorController(parts), runtime),
  };
}

/** Every controller, to run and stop together. */
export function allControllers(controllers: Controllers): Controller[] {
  return Object.values(controllers) as Controller[];
}
