import { EventsV1Api, V1MicroTime, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node';
import { systemClock, type Clock } from './clock.ts';
import { isNotFound, makeClient, type ClientOptions } from './kube-client.ts';
import type { Logger } from './logger.ts';

/** The object an event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion?: string;
}

/** What happened, in events.k8s.io/v1 terms: reason is a PascalCase constant, note is for people. */
export interface EventDetails {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

/** Options of an EventRecorder: one of kc or api. */
export interface EventRecorderOptions {
  kc?: KubeConfig;
  /** Limiter and metrics for the client built from kc. */
  clientOptions?: ClientOptions;
  api?: EventsV1Api;
  /** reportingController, e.g. 'tessera.dev/operator'. */
  component: string;
  /** reportingInstance, e.g. the pod name. */
  instance: string;
  logger: Logger;
  clock?: Clock;
  /** The same event within this window bumps a series instead of creating another; default 10 min. */
  dedupeWindowMs?: number;
  /** How many distinct recent events are remembered for dedupe; default 4096. */
  maxEntries?: number;
}

interface Recent {
  name: string;
  namespace: string;
  firstMs: number;
  count: number;
  lastPatchMs: number;
  /** Whether the Event object exists (false while creating, and if creating failed). */
  created: Promise<boolean>;
}

/** A series is patched at most this often: the count in the API may lag by up to this much. */
const seriesPatchIntervalMs = 60_000;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Records events.k8s.io/v1 Events, fire-and-forget (failures are logged, never thrown: an event is
 * a courtesy, not part of reconciling). The same (object uid, type, reason, note) within the dedupe
 * window does not create another Event; it bumps the first one's series count, at most once a
 * minute. Memory is bounded: the least recently seen entries are forgotten first.
 */
export class EventRecorder {
  private readonly api: EventsV1Api;
  private readonly opts: EventRecorderOptions;
  private readonly clock: Clock;
  private readonly recent = new Map<string, Recent>();
  private sequence = 0;

  constructor(opts: EventRecorderOptions) {
    const api = opts.api ?? (opts.kc ? makeClient(opts.kc, EventsV1Api, opts.clientOptions) : undefined);
    if (!api) throw new Error('EventRecorder needs kc or api');
    this.api = api;
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  /** Records that `e` happened to `regarding`; returns at once. */
  record(regarding: EventSubject, e: EventDetails): void {
    const now = this.clock.now();
    const key = [regarding.uid, e.type, e.reason, e.note].join('\u0000');
    const seen = this.recent.get(key);
    if (seen && now - seen.firstMs < (this.opts.dedupeWindowMs ?? 10 * 60_000)) {
      this.touch(key, seen);
      seen.count += 1;
      if (now - seen.lastPatchMs >= seriesPatchIntervalMs) {
        seen.lastPatchMs = now;
        void this.bumpSeries(key, seen, now);
      }
      return;
    }
    const entry: Recent = { name: this.eventName(regarding.name, now), namespace: regarding.namespace || 'default', firstMs: now, count: 1, lastPatchMs: now, created: Promise.resolve(false) };
    entry.created = this.create(entry, regarding, e, now).then((ok) => {
      if (!ok && this.recent.get(key) === entry) this.recent.delete(key);
      return ok;
    });
    this.touch(key, entry);
  }

  /** How many distinct events are remembered (for tests of the bound). */
  size(): number {
    return this.recent.size;
  }

  /** Moves `key` to the most-recent end and evicts the oldest beyond maxEntries. */
  private touch(key: string, entry: Recent): void {
    this.recent.delete(key);
    this.recent.set(key, entry);
    const max = this.opts.maxEntries ?? 4096;
    for (const oldest of this.recent.keys()) {
      if (this.recent.size <= max) break;
      this.recent.delete(oldest);
    }
  }

  /** client-go's `<object>.<hex timestamp>` name, with a sequence so one millisecond can hold many. */
  private eventName(objectName: string, nowMs: number): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    return `${objectName}.${(BigInt(nowMs) * 1_000_000n + BigInt(this.sequence)).toString(16)}`;
  }

  private async create(entry: Recent, regarding: EventSubject, e: EventDetails, nowMs: number): Promise<boolean> {
    const body: EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: entry.name, namespace: entry.namespace },
      eventTime: new V1MicroTime(nowMs),
      reportingController: this.opts.component,
      reportingInstance: truncate(this.opts.instance, 128),
      type: e.type,
      reason: truncate(e.reason, 128),
      action: truncate(e.action, 128),
      note: truncate(e.note, 1024),
      regarding: { ...regarding },
    };
    try {
      await this.api.createNamespacedEvent({ namespace: entry.namespace, body });
      return true;
    } catch (error) {
      this.opts.logger.warn({ err: error, event: `${entry.namespace}/${entry.name}`, reason: e.reason }, 'recording an event failed');
      return false;
    }
  }

  private async bumpSeries(key: string, entry: Recent, nowMs: number): Promise<void> {
    if (!(await entry.created)) return;
    const patch = [{ op: 'add', path: '/series', value: { count: entry.count, lastObservedTime: new V1MicroTime(nowMs) } }];
    try {
      await this.api.patchNamespacedEvent({ name: entry.name, namespace: entry.namespace, body: patch });
    } catch (error) {
      // Events expire (1 h by default): forget it so the next occurrence creates a fresh one.
      if (isNotFound(error) && this.recent.get(key) === entry) this.recent.delete(key);
      else this.opts.logger.debug({ err: error, event: `${entry.namespace}/${entry.name}` }, 'updating an event series failed');
    }
  }
}
