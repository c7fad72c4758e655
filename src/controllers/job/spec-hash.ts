import { createHash } from 'node:crypto';
import type { TesseraJob } from '../../api/job.ts';

/** The annotation on a batch Job recording which Tessera Job spec it was created from. */
export const specHashAnnotation = 'tessera.dev/spec-hash';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/**
 * A digest of everything in the spec that shapes the run. `cancel` is left out: it is the one field
 * that may change after the run starts, and it stops the run rather than reshaping it.
 */
export function runSpecHash(job: TesseraJob): string {
  const { cancel: _cancel, ...shape } = job.spec;
  return createHash('sha256').update(JSON.stringify(canonical(shape))).digest('hex').slice(0, 16);
}
