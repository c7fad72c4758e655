import { randomUUID } from 'node:crypto';
import type { ExponentialBackoff } from './backoff.ts';
import type { Clock } from './clock.ts';
import { classifyError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ControllerMetrics } from './metrics.ts';
import { WorkQueue } from './workqueue.ts';
import { parseKey } from './object-key.ts';

export { ConflictError, TerminalError } from './errors.ts';

/** What a reconcile asks for next; returning nothing means "done until something changes". */
export interface ReconcileResult {
  /** Reconcile this key again after this long (e.g. to notice a deadline), with no backoff. */
  requeueAfterMs?: number;
  /** Reconcile this key again soon, with per-key backoff (not counted as an error). */
  requeue?: boolean;
}

/** Makes the world match one object, named by its `namespace/name` key. */
export type Reconciler = (key: string, log: Logger) => Promise<ReconcileResult | void>;

/** The options of a Controller; `backoff` and `clock` default to controller-runtime's behaviour. */
export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  workers: number;
  logger: Logger;
  metrics: ControllerMetrics;
  backoff?: ExponentialBackoff;
  clock?: Clock;
}

type Outcome = 'success' | 'error' | 'requeue' | 'requeue_after';
/** How soon a key whose write the leader fence held is tried again. */
const fencedRetryMs = 1_000;
const outcomes: Outcome[] = ['success', 'error', 'requeue', 'requeue_after'];

/**
 * controller-runtime's controller: `workers` loops take keys from one WorkQueue, so a key is never
 * reconciled twice at once; errors are retried with per-key backoff, TerminalErrors are not,
 * conflicts are requeued quietly, and requeueAfterMs schedules the next pass.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconcile: Reconciler;
  private readonly workers: number;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics;
  private readonly labels: { controller: string };
  private running: Promise<void> | undefined;

  constructor(opts: ControllerOptions) {
    if (!(opts.workers >= 1)) throw new Error(`controller ${opts.name}: workers must be >= 1, got ${opts.workers}`);
    this.name = opts.name;
    this.reconcile = opts.reconcile;
    this.workers = opts.workers;
    this.logger = opts.logger;
    this.metrics = opts.metrics;
    this.labels = { controller: opts.name };
    this.queue = new WorkQueue({ name: opts.name, backoff: opts.backoff, clock: opts.clock, metrics: opts.metrics.queue });
    this.initMetrics();
  }

  /** Asks for `key` (`namespace/name`) to be reconciled; repeated asks before it runs merge into one. */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Starts the workers; resolves once stop() has been called and in-flight reconciles finished. */
  run(): Promise<void> {
    if (this.running) return this.running;
    this.logger.info({ controller: this.name, workers: this.workers }, 'starting workers');
    const loops = Array.from({ length: this.workers }, () => this.workerLoop());
    this.running = Promise.all(loops).then(() => undefined);
    return this.running;
  }

  /** Stops taking keys and waits for in-flight reconciles; queued keys are dropped (a restart relists). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.running;
  }

  private async workerLoop(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileKey(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Runs one reconcile and decides what happens to its key; never throws. */
  private async reconcileKey(key: string): Promise<void> {
    const log = this.logger.child({ controller: this.name, ...parseKey(key), reconcileID: randomUUID() });
    this.metrics.activeWorkers.inc(this.labels);
    const endTimer = this.metrics.reconcileTime.startTimer(this.labels);
    try {
      const result = await this.reconcile(key, log);
      this.count(this.afterSuccess(key, result ?? {}));
    } catch (error) {
      this.count(this.afterError(key, error, log));
    } finally {
      endTimer();
      this.metrics.activeWorkers.dec(this.labels);
    }
  }

  private afterSuccess(key: string, result: ReconcileResult): Outcome {
    if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
      this.queue.forget(key);
      this.queue.addAfter(key, result.requeueAfterMs);
      return 'requeue_after';
    }
    if (result.requeue) {
      this.queue.addRateLimited(key);
      return 'requeue';
    }
    this.queue.forget(key);
    return 'success';
  }

  private afterError(key: string, error: unknown, log: Logger): Outcome {
    const kind = classifyError(error);
    if (kind === 'conflict') {
      // A stale cache, not a fault: the informer will catch up; backoff keeps a hot key from spinning.
      log.debug({ err: error }, 'write conflict; requeueing');
      this.queue.addRateLimited(key);
      return 'requeue';
    }
    if (kind === 'fenced') {
      // Not this key's fault: the lease is unconfirmed. A steady retry, not a growing backoff, so the
      // key goes on as soon as a renewal reopens the fence.
      log.debug({ err: error }, 'write held at the leader fence; retrying in a second');
      this.queue.forget(key);
      this.queue.addAfter(key, fencedRetryMs);
      return 'requeue_after';
    }
    this.metrics.reconcileErrors.inc(this.labels);
    if (kind === 'terminal') {
      this.metrics.terminalReconcileErrors.inc(this.labels);
      this.queue.forget(key);
      log.error({ err: error }, 'reconcile failed with a terminal error; not retrying');
      return 'error';
    }
    log.error({ err: error, retries: this.queue.numRequeues(key) }, 'reconcile failed; retrying with backoff');
    this.queue.addRateLimited(key);
    return 'error';
  }

  private count(outcome: Outcome): void {
    this.metrics.reconcileTotal.inc({ ...this.labels, result: outcome });
  }

  /** Creates every label set at zero so a dashboard shows 0, not "no data", before the first event. */
  private initMetrics(): void {
    const m = this.metrics;
    for (const result of outcomes) m.reconcileTotal.inc({ ...this.labels, result }, 0);
    m.reconcileErrors.inc(this.labels, 0);
    m.terminalReconcileErrors.inc(this.labels, 0);
    m.reconcileTime.zero(this.labels);
    m.activeWorkers.set(this.labels, 0);
    m.maxConcurrentReconciles.set(this.labels, this.workers);
  }
}
