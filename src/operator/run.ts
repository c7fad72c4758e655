import * as k8s from '@kubernetes/client-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { TesseraJob } from '../api/job.ts';
import { reconcileJob, type JobReconcilerDeps } from '../controllers/job/reconcile.ts';
import { labels, managedByValue } from '../controllers/job/names.ts';
import { apiJobWrites } from '../controllers/job/writes.ts';
import { systemClock } from '../runtime/clock.ts';
import { Controller } from '../runtime/controller.ts';
import { startHealthServer } from '../runtime/health.ts';
import { ResilientInformer } from '../runtime/informer.ts';
import { makeClient } from '../runtime/kube-client.ts';
import { LeaderElector } from '../runtime/leader-election.ts';
import { EventRecorder } from '../runtime/events.ts';
import { createLogger, type Logger } from '../runtime/logger.ts';
import { createMetrics } from '../runtime/metrics.ts';
import { TokenBucket } from '../runtime/rate-limiter.ts';
import type { OperatorOptions } from './options.ts';

const managedSelector = `${labels.managedBy}=${managedByValue}`;

function loadKubeConfig(options: OperatorOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  return kc;
}

function objectKey(obj: Readonly<k8s.KubernetesObject>): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** Children name their Tessera Job in a label; that label is how their events reach its key. */
function ownerKey(obj: Readonly<k8s.KubernetesObject>): string | undefined {
  const owner = obj.metadata?.labels?.[labels.job];
  return owner ? `${obj.metadata?.namespace ?? ''}/${owner}` : undefined;
}

interface Informers {
  jobs: ResilientInformer<TesseraJob>;
  batchJobs: ResilientInformer<k8s.V1Job>;
  pods: ResilientInformer<k8s.V1Pod>;
}

function makeInformers(kc: k8s.KubeConfig, clients: { custom: k8s.CustomObjectsApi; batch: k8s.BatchV1Api; core: k8s.CoreV1Api }, logger: Logger): Informers {
  return {
    jobs: new ResilientInformer<TesseraJob>({
      kc,
      name: 'jobs.tessera.dev',
      path: '/apis/tessera.dev/v1alpha1/jobs',
      list: async () => (await clients.custom.listClusterCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural: 'jobs' })) as { items: TesseraJob[] },
      logger,
    }),
    batchJobs: new ResilientInformer<k8s.V1Job>({
      kc,
      name: 'jobs.batch',
      path: '/apis/batch/v1/jobs',
      labelSelector: managedSelector,
      list: () => clients.batch.listJobForAllNamespaces({ labelSelector: managedSelector }),
      logger,
    }),
    pods: new ResilientInformer<k8s.V1Pod>({
      kc,
      name: 'pods',
      path: '/api/v1/pods',
      labelSelector: managedSelector,
      list: () => clients.core.listPodForAllNamespaces({ labelSelector: managedSelector }),
      logger,
    }),
  };
}

function wireEvents(informers: Informers, controller: Controller): void {
  // The reconciler finds a run's pods by its Job's uid label, without scanning every pod.
  informers.pods.addIndex(labels.jobUid, (pod) => pod.metadata?.labels?.[labels.jobUid]);
  informers.jobs.onChange((job) => controller.enqueue(objectKey(job)));
  const toOwner = (child: Readonly<k8s.KubernetesObject>): void => {
    const key = ownerKey(child);
    if (key) controller.enqueue(key);
  };
  informers.batchJobs.onChange(toOwner);
  informers.pods.onChange(toOwner);
}

/**
 * Runs the operator until SIGTERM/SIGINT or lost leadership: caches start at once on every replica
 * (so a new leader begins warm), controllers only on the leader.
 */
export async function runOperator(options: OperatorOptions): Promise<void> {
  const logger = createLogger({ level: options.logLevel, name: 'tessera-operator' });
  const kc = loadKubeConfig(options);
  const registry = new Registry();
  // Process RSS, heap and event-loop delay percentiles: what the benchmark and dashboards read.
  collectDefaultMetrics({ register: registry });
  const metrics = createMetrics(registry);
  const limiter = new TokenBucket({ qps: options.qps, burst: options.burst });
  const clientOptions = { limiter, metrics: metrics.client, userAgent: 'tessera-operator' };
  const clients = {
    custom: makeClient(kc, k8s.CustomObjectsApi, clientOptions),
    batch: makeClient(kc, k8s.BatchV1Api, clientOptions),
    core: makeClient(kc, k8s.CoreV1Api, clientOptions),
  };
  const informers = makeInformers(kc, clients, logger);
  const deps: JobReconcilerDeps = {
    jobs: informers.jobs,
    batchJobs: informers.batchJobs,
    pods: informers.pods,
    writes: apiJobWrites({ batch: clients.batch, custom: clients.custom }),
    events: new EventRecorder({ kc, clientOptions, component: 'tessera.dev/operator', instance: options.identity, logger }),
    config: { ttlSecondsAfterFinished: options.ttlSecondsAfterFinished, runAsUser: options.runAsUser },
    clock: systemClock,
  };
  const controller = new Controller({
    name: 'job',
    workers: options.workers,
    logger,
    metrics: metrics.controller,
    reconcile: (key, log) => reconcileJob(key, log, deps),
  });
  wireEvents(informers, controller);

  const all: Array<{ hasSynced(): boolean; start(): Promise<void>; stop(): void }> = [informers.jobs, informers.batchJobs, informers.pods];
  const [host, port] = splitAddress(options.metricsAddress);
  const health = await startHealthServer({ host, port, registry, readiness: () => all.every((i) => i.hasSynced()) });
  logger.info({ address: `${host}:${health.port}` }, 'serving /healthz, /readyz and /metrics');
  await Promise.all(all.map((i) => i.start()));
  logger.info('caches synced');

  const elector = options.leaderElect
    ? new LeaderElector({
        kc,
        namespace: options.leaseNamespace,
        name: options.leaseName,
        identity: options.identity,
        leaseDurationMs: options.leaseDurationSeconds * 1000,
        renewDeadlineMs: options.leaseDurationSeconds * 666,
        retryPeriodMs: Math.max(500, options.leaseDurationSeconds * 200),
        logger,
      })
    : undefined;

  const shutdown = async (why: string, code: number): Promise<void> => {
    logger.info({ why }, 'shutting down');
    await controller.stop();
    if (elector?.isLeader()) await elector.release();
    for (const informer of all) informer.stop();
    await health.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));

  if (!elector) {
    await controller.run();
    return;
  }
  await elector.run({
    onStartedLeading: () => {
      logger.info({ identity: options.identity }, 'became the leader; starting controllers');
      void controller.run();
    },
    // Another replica may already be acting: stopping at once is the only safe move.
    onStoppedLeading: () => {
      logger.error({ identity: options.identity }, 'lost the lease; exiting so a fresh process can compete again');
      process.exit(1);
    },
  });
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon) || '0.0.0.0', Number(address.slice(colon + 1))];
}
