import type { TesseraJob } from '../api/job.ts';
import { formatTable } from './table.ts';

// What `tessera job list` prints: the columns `kubectl get tj` shows that matter when choosing a run
// to look at (`tessera logs`). Pure: the command reads the Jobs, this lays them out.

/** An age as kubectl prints it: 45s, 12m, 5h, 3d. */
export function ageText(created: string | undefined, now: number): string {
  const at = created ? Date.parse(created) : Number.NaN;
  if (Number.isNaN(at)) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 2 * 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** When the Job was created, as the API server wrote it (a string; a Date only if a client parsed it). */
function createdOf(job: Readonly<TesseraJob>): string | undefined {
  const created: unknown = job.metadata.creationTimestamp;
  return created instanceof Date ? created.toISOString() : typeof created === 'string' ? created : undefined;
}

/** The Jobs as a table, by namespace then name; with a NAMESPACE column when they span several. */
export function jobTable(jobs: ReadonlyArray<Readonly<TesseraJob>>, opts: { allNamespaces: boolean; now: number }): string {
  const sorted = [...jobs].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  const rows = sorted.map((job) => [
    ...(opts.allNamespaces ? [job.metadata.namespace ?? ''] : []),
    job.metadata.name ?? '',
    job.status?.phase ?? 'Pending',
    job.status?.reason ?? '',
    String(job.status?.attempts ?? 0),
    ageText(createdOf(job), opts.now),
  ]);
  return formatTable([...(opts.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'PHASE', 'REASON', 'ATTEMPTS', 'AGE'], rows);
}
