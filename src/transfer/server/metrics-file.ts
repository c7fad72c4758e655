// metrics.json, as a run writes it into an output: a JSON object of numbers, possibly nested
// (`{"accuracy": 0.9, "loss": {"train": 0.1}}` → accuracy, loss.train). Pure.
import { maxMetrics } from '../../api/job.ts';

/** The largest metrics.json read; a larger one is ignored rather than trusted. */
export const maxMetricsFileBytes = 64 * 1024;

const namePattern = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/;

function flatten(value: unknown, prefix: string, out: Map<string, number>, depth: number): void {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (namePattern.test(prefix)) out.set(prefix, value);
    return;
  }
  if (depth > 4 || typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out, depth + 1);
}

/**
 * The finite numbers in a metrics.json, by dotted name, at most maxMetrics of them (in file order).
 * Anything else (strings, arrays, NaN, names that are not metric names) is left out; text that is
 * not a JSON object gives no metrics at all.
 */
export function metricsFromJson(text: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const out = new Map<string, number>();
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) flatten(parsed, '', out, 0);
  return Object.fromEntries([...out].slice(0, maxMetrics));
}
