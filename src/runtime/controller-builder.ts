import { Controller, type Reconciler } from './controller.ts';
import type { ChangeKind, IndexFunction } from './informer-cache.ts';
import type { Logger } from './logger.ts';
import type { ControllerMetrics } from './metrics.ts';
import { keyOf } from './object-key.ts';

// controller-runtime's builder (For / Owns / Watches) and Kueue's SetupIndexes, for this runtime: a
// controller says what it reconciles, which caches' changes queue which of its keys, and which
// indexes its reconciler and its event mapping read. The operator then only registers controllers;
// it never learns a controller's labels, indexes or watches.

/** A cache a controller can watch and index: what an informer offers. */
export interface WatchedCache<T> {
  onChange(handler: (obj: Readonly<T>, kind: ChangeKind) => void): void;
  addIndex(name: string, fn: IndexFunction<T>): void;
}

/** A change to an object of `cache` queues the keys `keys` returns (none: nothing). */
export interface Watch<T> {
  cache: WatchedCache<T>;
  keys: (obj: Readonly<T>, kind: ChangeKind) => Iterable<string>;
}

/** An index a controller reads, added to `cache` before the controller's watches are connected. */
export interface CacheIndex<T> {
  cache: WatchedCache<T>;
  name: string;
  fn: IndexFunction<T>;
}

/**
 * One controller, as it declares itself. Indexes with the same name on the same cache must index the
 * same thing: two controllers reading one index each declare it (from one shared definition).
 */
export interface ControllerDefinition {
  name: string;
  reconcile: Reconciler;
  // Each entry keeps its own T: the array only needs `cache` and `keys` to agree within an entry.
  watches: ReadonlyArray<Watch<never>>;
  indexes?: ReadonlyArray<CacheIndex<never>>;
}

/** What every controller gets from the process: how many workers, where it logs and counts. */
export interface ControllerRuntime {
  workers: number;
  logger: Logger;
  metrics: ControllerMetrics;
}

/** The object's own key: controller-runtime's `For`. */
export function forObjects<T extends { metadata?: { name?: string; namespace?: string } }>(cache: WatchedCache<T>): Watch<never> {
  return watch(cache, (obj) => [keyOf(obj)]);
}

/** Builds a watch entry whose types line up (the definitions' arrays erase them). */
export function watch<T>(cache: WatchedCache<T>, keys: (obj: Readonly<T>, kind: ChangeKind) => Iterable<string>): Watch<never> {
  return { cache, keys } as unknown as Watch<never>;
}

/** Builds an index entry whose types line up. */
export function cacheIndex<T>(cache: WatchedCache<T>, name: string, fn: IndexFunction<T>): CacheIndex<never> {
  return { cache, name, fn } as unknown as CacheIndex<never>;
}

/** Adds the definition's indexes, then has every change it watches call `enqueue` with the keys it maps to. */
export function connect(definition: Pick<ControllerDefinition, 'watches' | 'indexes'>, enqueue: (key: string) => void): void {
  for (const { cache, name, fn } of definition.indexes ?? []) cache.addIndex(name, fn);
  for (const { cache, keys } of definition.watches) {
    cache.onChange((obj, kind) => {
      for (const key of keys(obj, kind)) enqueue(key);
    });
  }
}

/** The Controller a definition describes (not started), its indexes added and its watches connected. */
export function buildController(definition: ControllerDefinition, runtime: ControllerRuntime): Controller {
  const controller = new Controller({ name: definition.name, workers: runtime.workers, logger: runtime.logger, metrics: runtime.metrics, reconcile: definition.reconcile });
  connect(definition, (key) => controller.enqueue(key));
  return controller;
}
