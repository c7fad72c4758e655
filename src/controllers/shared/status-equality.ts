import { isDeepStrictEqual } from 'node:util';

function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    return Object.fromEntries(entries.map(([k, v]) => [k, normalized(v)]));
  }
  return value;
}

/**
 * Whether two statuses say the same thing, ignoring key order and absent-vs-undefined, so a
 * reconcile that computes what is already stored writes nothing.
 */
export function statusEquals(stored: unknown, computed: unknown): boolean {
  return isDeepStrictEqual(normalized(stored), normalized(computed));
}
