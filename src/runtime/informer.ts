import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ExponentialBackoff } from './backoff.ts';
import { statusCode } from './kube-client.ts';
import type { Logger } from './logger.ts';
import { Sleeper, withTimeout } from './timers.ts';
import { InformerCache, type Change, type ChangeKind, type IndexFunction, type TrimFunction } from './informer-cache.ts';

export type { ChangeKind } from './informer-cache.ts';

/** A list call that returns the items and the resourceVersion to watch from. */
export type ListFn<T> = () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;

/** Receives every change after the cache reflects it; must not throw (it is logged if it does). */
export type ChangeHandler<T> = (obj: Readonly<T>, kind: ChangeKind) => void;

/** The one method of client-node's Watch the informer uses; injectable for tests. */
export interface WatchClient {
  watch: Watch['watch'];
}

/** Options of a ResilientInformer. */
export interface InformerOptions<T> {
  kc: KubeConfig;
  /** The collection to watch, e.g. '/apis/batch/v1/jobs' (all namespaces). */
  path: string;
  list: ListFn<T>;
  labelSelector?: string;
  /** Drops what the operator never reads before caching (a cache of pods is mostly pod specs). */
  trim?: TrimFunction<T>;
  /** Periodic full relist, which also restarts the watch; default 5 minutes. */
  relistMs?: number;
  /** A list call that takes longer than this is abandoned and retried; default 60 s. */
  listTimeoutMs?: number;
  logger: Logger;
  name: string;
  watch?: WatchClient;
}

const defaultRelistMs = 5 * 60_000;
const defaultListTimeoutMs = 60_000;
/** A watch that lived at least this long was healthy: its end is routine, not a failure. */
const healthyWatchMs = 10_000;

type WatchEnd = { kind: 'gone' } | { kind: 'routine' } | { kind: 'failed'; error: unknown };

function isTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'TimeoutError';
}

/**
 * A list+watch cache of one collection that does not give up. client-node's informer stops for
 * good on any error but 410 and can sit on a dead connection; this one
 * - relists (and restarts the watch) after any failure, with backoff from 1 s to 30 s;
 * - relists every relistMs anyway, so a watch that went silently deaf is replaced;
 * - after each relist emits 'update' for every object and 'delete' for each one that vanished,
 *   so deletions missed while disconnected still reach the handlers;
 * - hands out frozen objects in wire form (timestamps as RFC 3339 strings, whatever T's generated
 *   type says), so a reconciler cannot corrupt the cache by mutating what it read.
 * client-node's Watch aborts a connection after 30 s without data; on quiet collections that is a
 * routine reconnect from the last resourceVersion, not a relist.
 */
export class ResilientInformer<T extends KubernetesObject> {
  readonly name: string;
  private readonly opts: InformerOptions<T>;
  private readonly watcher: WatchClient;
  private readonly log: Logger;
  private readonly store: InformerCache<T>;
  private readonly handlers: ChangeHandler<T>[] = [];
  private readonly backoff = new ExponentialBackoff({ baseMs: 1000, maxMs: 30_000 });
  private resourceVersion = '';
  private needsList = true;
  private synced = false;
  private stopped = false;
  private started: Promise<void> | undefined;
  private markSynced: (() => void) | undefined;
  /** Identifies the current watch: events from an abandoned one are ignored. */
  private watchId = 0;
  private abortWatch: (() => void) | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private readonly sleeper = new Sleeper();

  constructor(opts: InformerOptions<T>) {
    this.name = opts.name;
    this.opts = opts;
    this.store = new InformerCache<T>(opts.trim);
    this.watcher = opts.watch ?? new Watch(opts.kc);
    this.log = opts.logger.child({ informer: opts.name });
  }

  /** Registers a handler for every add, update and delete, including those of relists. */
  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Starts listing and watching; resolves once the first list is in the cache (or on stop()). */
  start(): Promise<void> {
    this.started ??= new Promise<void>((resolve) => {
      this.markSynced = resolve;
      this.relistTimer = setInterval(() => this.requestRelist('periodic relist'), this.opts.relistMs ?? defaultRelistMs);
      void this.runLoop();
    });
    return this.started;
  }

  /** Whether the first list has completed: until then the cache is empty, not "nothing exists". */
  hasSynced(): boolean {
    return this.synced;
  }

  /** The cached object, frozen; structuredClone it before changing anything. */
  get(namespace: string, name: string): Readonly<T> | undefined {
    return this.store.get(namespace, name);
  }

  /** Cached objects in `namespace`, or in all namespaces. */
  list(namespace?: string): ReadonlyArray<Readonly<T>> {
    return this.store.list(namespace);
  }

  /** Maintains a secondary index, e.g. children by their owner's uid label; add before start(). */
  addIndex(name: string, fn: IndexFunction<T>): void {
    this.store.addIndex(name, fn);
  }

  /** Cached objects whose index `name` has `value`. */
  byIndex(name: string, value: string): ReadonlyArray<Readonly<T>> {
    return this.store.byIndex(name, value);
  }

  /** Stops watching and relisting; the cache keeps its last content. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.relistTimer);
    this.abortWatch?.();
    this.sleeper.wake();
    this.markSynced?.();
  }

  /** Forces a relist and a fresh watch now (used by the periodic timer; callable by a watchdog). */
  requestRelist(why: string): void {
    if (this.stopped) return;
    this.log.debug({ why }, 'relisting');
    this.needsList = true;
    this.abortWatch?.();
  }

  private async runLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.needsList) await this.relist();
        const end = await this.watchOnce();
        await this.afterWatch(end);
      } catch (error) {
        await this.afterFailure(error, 'list');
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await withTimeout(this.opts.list(), this.opts.listTimeoutMs ?? defaultListTimeoutMs, `listing ${this.name}`);
    if (this.stopped) return;
    const changes = this.store.replace(list.items);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.needsList = false;
    this.log.debug({ objects: this.store.size(), resourceVersion: this.resourceVersion }, 'listed');
    if (!this.synced) {
      this.synced = true;
      this.log.info({ objects: this.store.size() }, 'cache synced');
      this.markSynced?.();
    }
    this.emit(changes);
  }

  private async afterWatch(end: WatchEnd): Promise<void> {
    if (this.stopped || this.needsList) return;
    if (end.kind === 'gone') {
      // The resourceVersion fell out of the API server's window: only a relist can resume.
      this.log.info('watch expired (410 Gone); relisting');
      this.needsList = true;
      return;
    }
    if (end.kind === 'routine') return;
    await this.afterFailure(end.error, 'watch');
  }

  /** Any failure: relist on the next pass, after a growing delay so a down API server is not hammered. */
  private async afterFailure(error: unknown, during: 'list' | 'watch'): Promise<void> {
    if (this.stopped) return;
    this.needsList = true;
    const delayMs = this.backoff.next('restart');
    this.log.warn({ err: error, during, retryInMs: delayMs, status: statusCode(error) }, 'informer failed; restarting');
    await this.sleeper.sleep(delayMs);
  }

  /** Runs one watch from the current resourceVersion until it ends, and says how it ended. */
  private watchOnce(): Promise<WatchEnd> {
    const id = ++this.watchId;
    const startedAt = Date.now();
    let sawEvent = false;
    let gone = false;
    return new Promise<WatchEnd>((resolve) => {
      const finish = (error: unknown): void => {
        if (id !== this.watchId) return;
        this.abortWatch = undefined;
        const healthy = sawEvent || Date.now() - startedAt >= healthyWatchMs;
        if (healthy) this.backoff.forget('restart');
        resolve(this.classifyEnd({ error, gone, healthy }));
      };
      const onEvent = (type: string, obj: unknown): void => {
        if (id !== this.watchId || this.stopped) return;
        sawEvent = true;
        if (this.handleEvent(type, obj)) return;
        gone = true;
        aborter?.abort();
      };
      let aborter: AbortController | undefined;
      const query = { resourceVersion: this.resourceVersion, labelSelector: this.opts.labelSelector, allowWatchBookmarks: true };
      this.watcher.watch(this.opts.path, query, onEvent, finish).then(
        (controller) => {
          aborter = controller;
          this.abortWatch = () => controller.abort();
          if (this.stopped || this.needsList || id !== this.watchId) controller.abort();
        },
        (error: unknown) => finish(error),
      );
    });
  }

  private classifyEnd(end: { error: unknown; gone: boolean; healthy: boolean }): WatchEnd {
    if (end.gone || statusCode(end.error) === 410) return { kind: 'gone' };
    // Our own abort (stop, relist) and the 30 s inactivity timeout are routine; so is a clean close
    // of a watch that had been working. A watch that closes at once, repeatedly, is a failure.
    if (this.stopped || this.needsList || isTimeout(end.error)) return { kind: 'routine' };
    if (!end.error && end.healthy) return { kind: 'routine' };
    return { kind: 'failed', error: end.error ?? new Error('watch closed before delivering anything') };
  }

  /** Applies one watch event; false when it says the resourceVersion is gone. */
  private handleEvent(type: string, raw: unknown): boolean {
    const obj = raw as T & { code?: number; message?: string };
    if (type === 'ERROR') {
      this.log.info({ code: obj.code, message: obj.message }, 'watch error event');
      return obj.code !== 410;
    }
    // Watch events are JSON.parse'd wire form: no Dates to convert, and no one else holds them.
    if (type === 'ADDED' || type === 'MODIFIED') this.emit([this.store.upsert(obj, 'wire')]);
    else if (type === 'DELETED') this.emit([this.store.remove(obj, 'wire')]);
    // BOOKMARK carries only a resourceVersion: resuming from it skips history we do not need.
    this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
    return true;
  }

  private emit(changes: readonly Change<T>[]): void {
    for (const { obj, kind } of changes) {
      for (const handler of this.handlers) {
        try {
          handler(obj, kind);
        } catch (error) {
          this.log.error({ err: error, kind, object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}` }, 'change handler threw');
        }
      }
    }
  }
}
