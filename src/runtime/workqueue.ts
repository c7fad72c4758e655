import { ExponentialBackoff } from './backoff.ts';
import { systemClock, type Clock } from './clock.ts';
import type { QueueMetrics } from './metrics.ts';

/** controller-runtime's default per-key backoff: 5ms doubling up to 1000s. */
const defaultBackoff = (): ExponentialBackoff => new ExponentialBackoff({ baseMs: 5, maxMs: 1_000_000 });

interface Delayed {
  deadline: number;
  timer: NodeJS.Timeout;
}

/**
 * A work queue of keys with client-go's guarantees: a key is queued at most once however often it
 * is added; a key being processed is never handed to a second worker (adding it meanwhile marks it
 * dirty and it is queued again on done()); delayed adds keep the earliest deadline; order is FIFO.
 *
 * Unlike client-go, get() returns undefined as soon as shutDown() is called, dropping queued keys:
 * the next process relists everything, so draining them would only delay shutdown.
 */
export class WorkQueue {
  readonly name: string;
  private readonly backoff: ExponentialBackoff;
  private readonly clock: Clock;
  private readonly metrics: QueueMetrics | undefined;
  private readonly queue: string[] = [];
  /** Keys that need processing: queued, or processing and added again. */
  private readonly dirty = new Set<string>();
  /** Keys handed to a worker and not yet done(), with when they were handed out. */
  private readonly processing = new Map<string, number>();
  private readonly queuedAt = new Map<string, number>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private stopped = false;

  constructor(opts: { name: string; backoff?: ExponentialBackoff; clock?: Clock; metrics?: QueueMetrics }) {
    this.name = opts.name;
    this.backoff = opts.backoff ?? defaultBackoff();
    this.clock = opts.clock ?? systemClock;
    this.metrics = opts.metrics;
    this.initMetrics();
  }

  /** Queues `key` unless it is already queued; a key being processed is re-queued on done(). */
  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics?.adds.inc({ name: this.name });
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds `key` after `delayMs`; when it is already waiting, the earlier deadline wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const deadline = this.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.deadline <= deadline) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { deadline, timer });
  }

  /** Adds `key` after its next backoff delay: for retries after a failure. */
  addRateLimited(key: string): void {
    this.metrics?.retries.inc({ name: this.name });
    this.addAfter(key, this.backoff.next(key));
  }

  /** Resets the backoff of `key`: call when it was processed successfully. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** How many times in a row `key` has been retried since it was last forgotten. */
  numRequeues(key: string): number {
    return this.backoff.failures(key);
  }

  /** Waits for the next key and marks it processing; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    if (this.queue.length > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `key` processed; if it was added while processing, it is queued again now. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    this.metrics?.workDuration.observe({ name: this.name }, (this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !this.stopped) this.push(key);
  }

  /** Number of keys waiting for a worker (not counting delayed or processing keys). */
  len(): number {
    return this.queue.length;
  }

  /** Stops the queue: pending and future get() calls resolve undefined, adds are ignored. */
  shutDown(): void {
    this.stopped = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  /** Whether shutDown() was called. */
  isShuttingDown(): boolean {
    return this.stopped;
  }

  private push(key: string): void {
    this.queue.push(key);
    this.queuedAt.set(key, this.clock.now());
    this.metrics?.depth.set({ name: this.name }, this.queue.length);
    while (this.getters.length > 0 && this.queue.length > 0) this.getters.shift()?.(this.take());
  }

  private take(): string {
    const key = this.queue.shift();
    if (key === undefined) throw new Error(`workqueue ${this.name}: take() on an empty queue`);
    const now = this.clock.now();
    this.dirty.delete(key);
    this.processing.set(key, now);
    this.metrics?.depth.set({ name: this.name }, this.queue.length);
    this.metrics?.queueDuration.observe({ name: this.name }, (now - (this.queuedAt.get(key) ?? now)) / 1000);
    this.queuedAt.delete(key);
    return key;
  }

  /** Creates this queue's label set at zero so dashboards see it before the first add. */
  private initMetrics(): void {
    const m = this.metrics;
    if (!m) return;
    const labels = { name: this.name };
    m.depth.set(labels, 0);
    m.adds.inc(labels, 0);
    m.retries.inc(labels, 0);
    m.queueDuration.zero(labels);
    m.workDuration.zero(labels);
  }
}
