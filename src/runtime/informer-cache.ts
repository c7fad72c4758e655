import type { KubernetesObject } from '@kubernetes/client-node';

/** What happened to an object in a store. */
export type ChangeKind = 'add' | 'update' | 'delete';

/** One change to a store, to hand to event handlers after the store has been updated. */
export interface Change<T> {
  obj: Readonly<T>;
  kind: ChangeKind;
}

/**
 * Turns a decoded object into its wire form: client-node's typed list calls decode timestamps into
 * Dates while watch events carry RFC 3339 strings, and a cache holding both would make the same
 * object compare unequal to itself. Second-precision times are written as the API server writes
 * metav1.Time (no fraction).
 */
export function toWireJson(value: unknown): unknown {
  if (value instanceof Date) {
    const iso = value.toISOString();
    return value.getUTCMilliseconds() === 0 ? iso.replace('.000Z', 'Z') : iso;
  }
  if (Array.isArray(value)) return value.map(toWireJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWireJson(v)]));
  }
  return value;
}

/** Freezes `value` and everything in it, so a reconciler that mutates a cached object throws. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * How an object reached the store: parsed from the API server's JSON (a watch event) and so already
 * in wire form, or decoded by client-node's typed calls (a list), with Dates to turn back into text.
 */
export type ObjectForm = 'wire' | 'decoded';

/** Keeps only the fields the operator reads of an object, before it is cached (client-go's transform). */
export type TrimFunction<T> = (obj: T) => T;

/**
 * The wire form, trimmed, frozen, without metadata.managedFields: a controller never reads them, and
 * they are often the largest part of an object (controller-runtime's caches drop them too).
 */
function cached<T extends KubernetesObject>(raw: T, form: ObjectForm, trim: TrimFunction<T> | undefined): Readonly<T> {
  const wire = form === 'wire' ? raw : (toWireJson(raw) as T);
  const obj = trim ? trim(wire) : wire;
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return deepFreeze(obj);
}

/** Derives index values (e.g. an owner's uid label) from an object; undefined or [] leaves it out. */
export type IndexFunction<T> = (obj: Readonly<T>) => string | readonly string[] | undefined;

function valuesOf(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function nameOf(obj: KubernetesObject): [string, string] {
  return [obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''];
}

/**
 * An informer's cache: objects by namespace and name, frozen in wire form. Every write returns the
 * changes it made so the caller can notify handlers after the store is consistent.
 */
export class InformerCache<T extends KubernetesObject> {
  private readonly trim: TrimFunction<T> | undefined;
  private byNamespace = new Map<string, Map<string, Readonly<T>>>();
  private readonly indexes = new Map<string, { fn: IndexFunction<T>; entries: Map<string, Map<string, Readonly<T>>> }>();

  constructor(trim?: TrimFunction<T>) {
    this.trim = trim;
  }

  /** Maintains an index from now on (add indexes before the first list). */
  addIndex(name: string, fn: IndexFunction<T>): void {
    const entries = new Map<string, Map<string, Readonly<T>>>();
    this.indexes.set(name, { fn, entries });
    for (const objects of this.byNamespace.values()) for (const obj of objects.values()) this.indexObject(obj);
  }

  /** The cached objects whose index `name` value is `value`: O(matches), not O(cache). */
  byIndex(name: string, value: string): ReadonlyArray<Readonly<T>> {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    return [...(index.entries.get(value)?.values() ?? [])];
  }

  private indexObject(obj: Readonly<T>): void {
    const key = nameOf(obj).join('/');
    for (const { fn, entries } of this.indexes.values()) {
      for (const value of valuesOf(fn(obj))) {
        let objects = entries.get(value);
        if (!objects) entries.set(value, (objects = new Map<string, Readonly<T>>()));
        objects.set(key, obj);
      }
    }
  }

  private unindexObject(obj: Readonly<T>): void {
    const key = nameOf(obj).join('/');
    for (const { fn, entries } of this.indexes.values()) {
      for (const value of valuesOf(fn(obj))) {
        const objects = entries.get(value);
        objects?.delete(key);
        if (objects?.size === 0) entries.delete(value);
      }
    }
  }

  /** The cached object, if any; frozen: structuredClone it before changing anything. */
  get(namespace: string, name: string): Readonly<T> | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** Cached objects in `namespace`, or in all namespaces when it is undefined. */
  list(namespace?: string): ReadonlyArray<Readonly<T>> {
    if (namespace !== undefined) return [...(this.byNamespace.get(namespace)?.values() ?? [])];
    return [...this.byNamespace.values()].flatMap((objects) => [...objects.values()]);
  }

  /** How many objects are cached. */
  size(): number {
    let count = 0;
    for (const objects of this.byNamespace.values()) count += objects.size;
    return count;
  }

  /** Adds or replaces one object (a watch ADDED/MODIFIED). */
  upsert(raw: T, form: ObjectForm = 'decoded'): Change<T> {
    const obj = cached(raw, form, this.trim);
    const [namespace, name] = nameOf(obj);
    let objects = this.byNamespace.get(namespace);
    if (!objects) {
      objects = new Map();
      this.byNamespace.set(namespace, objects);
    }
    const previous = objects.get(name);
    if (previous) this.unindexObject(previous);
    objects.set(name, obj);
    this.indexObject(obj);
    const kind: ChangeKind = previous ? 'update' : 'add';
    return { obj, kind };
  }

  /** Removes one object (a watch DELETED); the change carries the object's final state. */
  remove(raw: T, form: ObjectForm = 'decoded'): Change<T> {
    const obj = cached(raw, form, this.trim);
    const [namespace, name] = nameOf(obj);
    const objects = this.byNamespace.get(namespace);
    const previous = objects?.get(name);
    if (previous) this.unindexObject(previous);
    objects?.delete(name);
    if (objects?.size === 0) this.byNamespace.delete(namespace);
    return { obj, kind: 'delete' };
  }

  /**
   * Replaces the whole content with a fresh list: every listed object is an add or an update (a
   * resync: handlers see everything again), every cached object missing from it is a delete, which
   * is how deletions missed while the watch was down are noticed.
   */
  replace(items: readonly T[]): Change<T>[] {
    const previous = this.byNamespace;
    this.byNamespace = new Map();
    for (const { entries } of this.indexes.values()) entries.clear();
    const changes: Change<T>[] = items.map((item) => {
      const change = this.upsert(item);
      const [namespace, name] = nameOf(change.obj);
      return { obj: change.obj, kind: previous.get(namespace)?.has(name) ? 'update' : 'add' };
    });
    for (const [namespace, objects] of previous) {
      for (const [name, obj] of objects) {
        if (!this.byNamespace.get(namespace)?.has(name)) changes.push({ obj, kind: 'delete' });
      }
    }
    return changes;
  }
}
