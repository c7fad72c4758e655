import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Names and buckets follow controller-runtime and client-go so existing dashboards and alerts
// (and anyone who has run a Go operator) read them without a translation table.

/** workqueue_* metrics, labelled by queue name. */
export interface QueueMetrics {
  depth: Gauge<'name'>;
  adds: Counter<'name'>;
  queueDuration: Histogram<'name'>;
  workDuration: Histogram<'name'>;
  retries: Counter<'name'>;
}

/** controller_runtime_* metrics, labelled by controller name, plus the metrics of its queue. */
export interface ControllerMetrics {
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  terminalReconcileErrors: Counter<'controller'>;
  reconcileTime: Histogram<'controller'>;
  activeWorkers: Gauge<'controller'>;
  maxConcurrentReconciles: Gauge<'controller'>;
  queue: QueueMetrics;
}

/** rest_client_* metrics of API requests made through makeClient. */
export interface ClientMetrics {
  requests: Counter<'method' | 'code'>;
  rateLimiterDuration: Histogram<'method'>;
}

/** Every runtime metric, registered once on one registry. */
export interface RuntimeMetrics {
  controller: ControllerMetrics;
  queue: QueueMetrics;
  client: ClientMetrics;
}

/** controller-runtime's reconcile_time buckets: 5ms to 60s, dense below a second. */
const reconcileBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3,
  3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 10ns to 10s, one per decade. */
const queueBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
/** client-go's rate limiter latency buckets. */
const limiterBuckets = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

function createQueueMetrics(registers: Registry[]): QueueMetrics {
  return {
    depth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers }),
    adds: new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'],
      buckets: queueBuckets,
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name'],
      buckets: queueBuckets,
      registers,
    }),
    retries: new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers }),
  };
}

function createControllerMetrics(registers: Registry[], queue: QueueMetrics): ControllerMetrics {
  return {
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    terminalReconcileErrors: new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileBuckets,
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    }),
    queue,
  };
}

function createClientMetrics(registers: Registry[]): ClientMetrics {
  const metrics: ClientMetrics = {
    requests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code and method',
      labelNames: ['method', 'code'],
      registers,
    }),
    rateLimiterDuration: new Histogram({
      name: 'rest_client_rate_limiter_duration_seconds',
      help: 'Client side rate limiter latency in seconds, partitioned by method',
      labelNames: ['method'],
      buckets: limiterBuckets,
      registers,
    }),
  };
  // Status codes are open-ended, so only the limiter's method label sets can start at zero.
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) metrics.rateLimiterDuration.zero({ method });
  return metrics;
}

/**
 * Creates and registers every runtime metric on `registry`. Call once per registry (prom-client
 * rejects a second registration of a name); label sets are initialised at zero by the Controller,
 * WorkQueue and client that use them, because only they know their names.
 */
export function createMetrics(registry: Registry): RuntimeMetrics {
  const registers = [registry];
  const queue = createQueueMetrics(registers);
  return { controller: createControllerMetrics(registers, queue), queue, client: createClientMetrics(registers) };
}
