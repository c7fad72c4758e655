import { isDeepStrictEqual } from 'node:util';
import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { ConflictError } from './errors.ts';
import { isConflict } from './kube-client.ts';

export { ConflictError } from './errors.ts';

/**
 * Server-side applies `obj` as `fieldManager`, forcing ownership of the fields it sets (the
 * controller is their only rightful writer): the API server merges, so a repeat is a no-op.
 */
export async function serverSideApply(api: KubernetesObjectApi, obj: KubernetesObject, fieldManager: string): Promise<KubernetesObject> {
  return api.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}

/**
 * The JSON value the API server would store: Dates as their JSON strings, and undefined and null
 * members dropped (the server prunes both, so comparing with them would see a change that is not).
 */
function asStored(value: unknown): unknown {
  if (value instanceof Date) return value.toJSON();
  if (Array.isArray(value)) return value.map(asStored);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    return Object.fromEntries(entries.map(([k, v]) => [k, asStored(v)]));
  }
  return value;
}

/** Whether two JSON-like values say the same thing, ignoring key order and absent-vs-undefined/null. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(asStored(a), asStored(b));
}

/** The inputs of patchStatusIfChanged. */
export interface StatusWrite<T extends object> {
  /** The object as cached; never mutated (a copy with the new status is written). */
  current: Readonly<T>;
  desiredStatus: unknown;
  /** Writes the object's status, e.g. a replace of the status subresource at current's resourceVersion. */
  write: (obj: T) => Promise<T>;
  /** Reads the object from the API server, bypassing the cache: used only after a 409. */
  reread?: () => Promise<T>;
}

/**
 * Writes `desiredStatus` only when it differs from current.status, so a reconcile that computes
 * what is stored makes no API call. On 409 Conflict it rereads (when it can): if the stored status
 * already says the same, that is 'unchanged'; otherwise it throws ConflictError, and recomputing
 * from fresh state is the caller's job (the Controller requeues the key quickly).
 */
export async function patchStatusIfChanged<T extends object>(opts: StatusWrite<T>): Promise<'unchanged' | 'written'> {
  const stored = (opts.current as { status?: unknown }).status;
  if (jsonEqual(stored, opts.desiredStatus)) return 'unchanged';
  const updated = { ...structuredClone(opts.current), status: structuredClone(opts.desiredStatus) } as T;
  try {
    await opts.write(updated);
    return 'written';
  } catch (error) {
    if (!isConflict(error)) throw error;
    if (await storedAlreadyMatches(opts)) return 'unchanged';
    throw new ConflictError('status write conflicted with a newer version of the object', { cause: error });
  }
}

/** After a 409: whether the fresh object already carries the desired status (e.g. a lost response). */
async function storedAlreadyMatches<T extends object>(opts: StatusWrite<T>): Promise<boolean> {
  if (!opts.reread) return false;
  const fresh = (await opts.reread()) as { status?: unknown };
  return jsonEqual(fresh.status, opts.desiredStatus);
}
