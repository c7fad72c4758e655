import type * as k8s from '@kubernetes/client-node';
import type { ObjectCache } from '../../src/controllers/shared/object-cache.ts';
import type { WatchedCache } from '../../src/runtime/controller-builder.ts';
import { InformerCache, type Change, type ChangeKind, type IndexFunction, type TrimFunction } from '../../src/runtime/informer-cache.ts';

// An informer's cache that the test feeds by hand. It is the operator's own in-memory store (wire
// form, trimmed, frozen, indexed), so a reconciler under test reads exactly what it reads in the
// operator; and a write the reconciler makes shows only once the test puts it here, as a watch event
// would, which is what the ordering invariants ("status before create", "wait for your own write")
// are about.

/** How the operator builds this cache: its trim function and the indexes it adds. */
export interface FakeCacheOptions<T> {
  trim?: TrimFunction<T>;
  indexes?: Record<string, IndexFunction<T>>;
}

export class FakeCache<T extends k8s.KubernetesObject> implements ObjectCache<T>, WatchedCache<T> {
  private readonly store: InformerCache<T>;
  private readonly handlers: Array<(obj: Readonly<T>, kind: ChangeKind) => void> = [];

  constructor(options: FakeCacheOptions<T> = {}) {
    this.store = new InformerCache<T>(options.trim);
    for (const [name, fn] of Object.entries(options.indexes ?? {})) this.store.addIndex(name, fn);
  }

  get(namespace: string, name: string): Readonly<T> | undefined {
    return this.store.get(namespace, name);
  }

  list(namespace?: string): ReadonlyArray<Readonly<T>> {
    return this.store.list(namespace);
  }

  byIndex(index: string, value: string): ReadonlyArray<Readonly<T>> {
    return this.store.byIndex(index, value);
  }

  addIndex(name: string, fn: IndexFunction<T>): void {
    this.store.addIndex(name, fn);
  }

  /** Handlers run on put and remove, after the cache has changed, as an informer's do. */
  onChange(handler: (obj: Readonly<T>, kind: ChangeKind) => void): void {
    this.handlers.push(handler);
  }

  private notify(change: Change<T>): void {
    for (const handler of this.handlers) handler(change.obj, change.kind);
  }

  /**
   * Shows `objects` as a watch ADDED or MODIFIED event would. Every object the API server returns has
   * a resourceVersion: one given without gets "1".
   */
  put(...objects: T[]): this {
    for (const obj of objects) {
      const metadata = { ...obj.metadata, resourceVersion: obj.metadata?.resourceVersion ?? '1' };
      this.notify(this.store.upsert({ ...obj, metadata }));
    }
    return this;
  }

  /** Forgets an object, as a watch DELETED event would. */
  remove(namespace: string, name: string): void {
    const obj = this.store.get(namespace, name);
    if (obj) this.notify(this.store.remove(obj, 'wire'));
  }
}
