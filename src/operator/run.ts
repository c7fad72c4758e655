import * as k8s from '@kubernetes/client-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { JobRuntimeConfig } from '../controllers/job/desired.ts';
import { systemClock } from '../runtime/clock.ts';
import type { Controller } from '../runtime/controller.ts';
import { EventRecorder } from '../runtime/events.ts';
import { startHealthServer } from '../runtime/health.ts';
import { makeClient, type ClientOptions } from '../runtime/kube-client.ts';
import { LeaderElector } from '../runtime/leader-election.ts';
import { createLogger, type Logger } from '../runtime/logger.ts';
import { createMetrics, type RuntimeMetrics } from '../runtime/metrics.ts';
import { TokenBucket } from '../runtime/rate-limiter.ts';
import { openFence, type WriteFence } from '../runtime/write-fence.ts';
import { allControllers, makeControllers } from './controllers.ts';
import { makeFileSetServices, readStoreCaBundle, serveTransfers, type FileSetServices } from './file-sets.ts';
import type { ListeningServer } from '../runtime/listen.ts';
import { startGarbageCollection } from './gc.ts';
import { migrateGrantsFirst } from './grant-migration.ts';
import { allInformers, makeInformers, type Informers, type ListClients } from './informers.ts';
import { serveWorkstationApi } from './workstation.ts';
import { registerWorkMetrics } from './work-metrics.ts';
import type { OperatorOptions } from './options.ts';

function loadKubeConfig(options: OperatorOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  return kc;
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon) || '0.0.0.0', Number(address.slice(colon + 1))];
}

function runtimeConfig(options: OperatorOptions): JobRuntimeConfig {
  return {
    ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
    runAsUser: options.runAsUser,
    moverImage: options.moverImage,
    transferUrl: options.transferUrl ?? `http://${options.transferAddress}`,
    uploadGraceSeconds: options.uploadGraceSeconds,
    storeCaBundle: readStoreCaBundle(options),
    podNodeSelector: options.podNodeSelector,
    podTolerations: options.podTolerations,
  };
}

/** Makes sure the bucket exists, retrying in the background: the store may come up after us. */
async function ensureBucket(fileSets: FileSetServices, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fileSets.store.ensureBucket();
      logger.info('object store bucket ready');
      return;
    } catch (error) {
      logger.error({ err: error, attempt }, 'the object store is not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1_000 * attempt)));
    }
  }
}

function leaderElector(kc: k8s.KubeConfig, options: OperatorOptions, logger: Logger): LeaderElector | undefined {
  if (!options.leaderElect) return undefined;
  return new LeaderElector({
    kc,
    namespace: options.leaseNamespace,
    name: options.leaseName,
    identity: options.identity,
    leaseDurationMs: options.leaseDurationSeconds * 1000,
    renewDeadlineMs: options.leaseDurationSeconds * 666,
    retryPeriodMs: Math.max(500, options.leaseDurationSeconds * 200),
    logger,
  });
}

/** The workstation API, when the operator has a store and a serving certificate; else undefined, said in the log. */
async function startWorkstation(
  options: OperatorOptions,
  wiring: Omit<Parameters<typeof serveWorkstationApi>[0], 'address' | 'certFile' | 'keyFile' | 'services' | 'clock'> & { fileSets: FileSetServices | undefined },
): Promise<ListeningServer | undefined> {
  const { logger, fileSets } = wiring;
  if (!options.apiCertFile || !options.apiKeyFile || !fileSets) {
    logger.warn('the workstation API (files.tessera.dev) is off: it needs an object store and --api-cert-file/--api-key-file; `tessera dataset push`, `algo push`, `fileset pull` and `gc` will not work');
    return undefined;
  }
  try {
    const files = { address: options.apiAddress, certFile: options.apiCertFile, keyFile: options.apiKeyFile };
    const server = await serveWorkstationApi({ ...wiring, ...files, services: fileSets, clock: systemClock });
    logger.info({ address: options.apiAddress, port: server.port }, 'serving the workstation API (files.tessera.dev)');
    return server;
  } catch (error) {
    // The rest of the operator does not depend on it: runs keep going, and the log says why.
    logger.error({ err: error }, 'the workstation API could not start; workstation commands will fail until the operator restarts');
    return undefined;
  }
}

/** The API clients: the controllers' (fenced by the leader's lease) and the serving APIs' (a budget of their own). */
function apiClients(kc: k8s.KubeConfig, options: OperatorOptions, metrics: RuntimeMetrics, fence: WriteFence): { clientOptions: ClientOptions; servingClientOptions: ClientOptions; clients: ListClients } {
  // The controllers' writes pass the leader's fence. The identity in the User-Agent lets the API
  // server's audit log tell replicas apart.
  const userAgent = `tessera-operator/${options.identity}`;
  const clientOptions: ClientOptions = { limiter: new TokenBucket({ qps: options.qps, burst: options.burst }), metrics: metrics.client, userAgent, fence };
  // The transfer API serves pods on every replica, leader or not, on a request budget of its own, so
  // its traffic can never hold up the controllers' (and theirs never hold up pods).
  const servingClientOptions: ClientOptions = { limiter: new TokenBucket({ qps: options.qps, burst: options.burst }), metrics: metrics.client, userAgent: `${userAgent}/transfer` };
  const clients = {
    custom: makeClient(kc, k8s.CustomObjectsApi, clientOptions),
    batch: makeClient(kc, k8s.BatchV1Api, clientOptions),
    core: makeClient(kc, k8s.CoreV1Api, clientOptions),
    apps: makeClient(kc, k8s.AppsV1Api, clientOptions),
  };
  return { clientOptions, servingClientOptions, clients };
}

/** What every replica serves: health and metrics at once, then (caches synced) the transfer and workstation APIs. */
async function serveEveryReplica(
  options: OperatorOptions,
  wiring: { kc: k8s.KubeConfig; servingClientOptions: ClientOptions; informers: Informers; fileSets: FileSetServices | undefined; fence: WriteFence; registry: Registry; logger: Logger },
): Promise<Array<{ close(): Promise<void> }>> {
  const { kc, servingClientOptions, informers, fileSets, fence, registry, logger } = wiring;
  const caches = allInformers(informers);
  const [host, port] = splitAddress(options.metricsAddress);
  const health = await startHealthServer({ host, port, registry, readiness: () => caches.every((i) => i.hasSynced()) });
  logger.info({ address: `${host}:${health.port}` }, 'serving /healthz, /readyz and /metrics');
  if (fileSets) void ensureBucket(fileSets, logger);
  await Promise.all(caches.map((i) => i.start()));
  logger.info('caches synced');
  const transfers = fileSets ? await serveTransfers(options.transferAddress, { kc, clientOptions: servingClientOptions, informers, services: fileSets, registry, logger, clock: systemClock, importBucket: options.importBucket, moverImage: options.moverImage }) : undefined;
  if (transfers) logger.info({ address: options.transferAddress, port: transfers.port }, 'serving the transfer API');
  const workstation = await startWorkstation(options, { kc, clientOptions: servingClientOptions, informers, fileSets, fence, registry, logger });
  return [transfers, workstation, health].filter((server): server is NonNullable<typeof server> => server !== undefined);
}

/** Stops everything on SIGTERM/SIGINT: controllers first, the lease released, then caches, servers and the store. */
function shutdownOnSignals(parts: { running: Controller[]; elector: LeaderElector | undefined; informers: Informers; servers: Array<{ close(): Promise<void> }>; fileSets: FileSetServices | undefined; logger: Logger }): void {
  const shutdown = async (why: string, code: number): Promise<void> => {
    parts.logger.info({ why }, 'shutting down');
    await Promise.all(parts.running.map((c) => c.stop()));
    if (parts.elector?.isLeader()) await parts.elector.release();
    for (const informer of allInformers(parts.informers)) informer.stop();
    for (const server of parts.servers) await server.close();
    parts.fileSets?.store.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
}

/** Runs `startControllers` now without leader election, else each time this replica becomes the leader. */
async function leadThenRun(elector: LeaderElector | undefined, startControllers: () => Promise<void>, options: OperatorOptions, logger: Logger): Promise<void> {
  if (!elector) {
    await startControllers();
    return;
  }
  await elector.run({
    onStartedLeading: () => {
      logger.info({ identity: options.identity }, 'became the leader; starting controllers');
      void startControllers();
    },
    // Another replica may already be acting: stopping at once is the only safe move.
    onStoppedLeading: () => {
      logger.error({ identity: options.identity }, 'lost the lease; exiting so a fresh process can compete again');
      process.exit(1);
    },
  });
}

/**
 * Runs the operator until SIGTERM/SIGINT or lost leadership: caches and the transfer API start at
 * once on every replica (so a new leader begins warm, and any replica serves pods), controllers
 * only on the leader.
 */
export async function runOperator(options: OperatorOptions): Promise<void> {
  const logger = createLogger({ level: options.logLevel, name: 'tessera-operator' });
  const kc = loadKubeConfig(options);
  const registry = new Registry();
  // Process RSS, heap and event-loop delay percentiles: what the benchmark and dashboards read.
  collectDefaultMetrics({ register: registry });
  const metrics = createMetrics(registry);
  const elector = leaderElector(kc, options, logger);
  const fence = elector ?? openFence;
  const { clientOptions, servingClientOptions, clients } = apiClients(kc, options, metrics, fence);
  const informers = makeInformers(kc, clients, logger);
  const fileSets = makeFileSetServices(options);
  registerWorkMetrics({ registry, informers, store: fileSets?.store, clock: systemClock, logger });
  if (!fileSets) logger.warn('no object store configured (--s3-endpoint): Jobs that move file sets will fail with InvalidSpec');
  const events = new EventRecorder({ kc, clientOptions, component: 'tessera.dev/operator', instance: options.identity, logger });
  const controllers = makeControllers({ informers, clients, fileSets, events, config: runtimeConfig(options), workers: options.workers, importBucket: options.importBucket, metrics, logger, clock: systemClock });
  const servers = await serveEveryReplica(options, { kc, servingClientOptions, informers, fileSets, fence, registry, logger });
  const running = allControllers(controllers);
  shutdownOnSignals({ running, elector, informers, servers, fileSets, logger });
  const startControllers = async (): Promise<void> => {
    if (fileSets) await migrateGrantsFirst({ informers, fileSets, fence, logger });
    for (const c of running) void c.run();
    if (fileSets && options.gcIntervalSeconds > 0) {
      startGarbageCollection({ intervalMs: options.gcIntervalSeconds * 1000, graceMs: options.gcGraceSeconds * 1000 }, { informers, fileSets, registry, logger, fence });
    }
  };
  await leadThenRun(elector, startControllers, options, logger);
}
