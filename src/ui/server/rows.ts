import type * as k8s from '@kubernetes/client-node';
import type { Algo } from '../../api/algo.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { CatalogRow, EventRow, JobDetail, JobSummary, Overview, PlanSummary } from '../protocol.ts';
import { conditionRows } from './plan-model.ts';

// Objects as the dashboard's lists and pages show them. Pure.

/** The most Warning events the overview lists. */
export const maxWarnings = 50;

/** A Job in a list. */
export function jobSummary(job: Readonly<TesseraJob>): JobSummary {
  const labels = job.metadata.labels ?? {};
  return {
    namespace: job.metadata.namespace ?? '',
    name: job.metadata.name ?? '',
    phase: job.status?.phase ?? 'Pending',
    reason: job.status?.reason,
    plan: labels['tessera.dev/plan'],
    task: labels['tessera.dev/task'],
    labels,
    metrics: job.status?.metrics ?? {},
  };
}

/** An event as a row; its time is the last it was seen. */
export function eventRow(event: Readonly<k8s.CoreV1Event>): EventRow {
  const time = event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp;
  return {
    namespace: event.metadata.namespace ?? '',
    object: `${event.involvedObject.kind ?? ''}/${event.involvedObject.name ?? ''}`,
    reason: event.reason ?? '',
    message: event.message ?? '',
    count: event.count ?? 1,
    time: time ? new Date(time).toISOString() : '',
  };
}

/** Events newest first, at most `limit`. */
export function newestEvents(events: ReadonlyArray<Readonly<k8s.CoreV1Event>>, limit = maxWarnings): EventRow[] {
  return events.map(eventRow).sort((a, b) => b.time.localeCompare(a.time)).slice(0, limit);
}

/** A Job's inputs: resolved (with digests) once the run resolved them, else as the spec names them. */
function inputRows(job: Readonly<TesseraJob>): JobDetail['inputs'] {
  const resolved = job.status?.inputs?.map(({ name, digest, source }) => ({ name, digest, source }));
  return resolved ?? (job.spec.inputs ?? []).map(({ name }) => ({ name }));
}

/** A Job with its conditions, events, inputs and outputs (by digest) and metrics. */
export function jobDetail(job: Readonly<TesseraJob>, events: ReadonlyArray<Readonly<k8s.CoreV1Event>>): JobDetail {
  const { message, conditions, outputs = [], attempts, startTime, completionTime } = job.status ?? {};
  return {
    ...jobSummary(job),
    message,
    conditions: conditionRows(conditions),
    events: newestEvents(events),
    inputs: inputRows(job),
    outputs: outputs.map(({ name, digest }) => ({ name, digest })),
    attempts,
    startTime,
    completionTime,
  };
}

function readyOf(conditions: ReadonlyArray<{ type: string; status: string; reason?: string }> | undefined): { ready: string; reason?: string } {
  const ready = conditions?.find((c) => c.type === 'Ready');
  return { ready: ready?.status ?? 'Unknown', reason: ready?.reason };
}

/** A Dataset in the catalog: its version and size. */
export function datasetRow(dataset: Readonly<Dataset>): CatalogRow {
  const s = dataset.status;
  const detail = s?.version ? `v${s.version}, ${s.files ?? 0} files, ${s.bytes ?? 0} bytes, ${s.digest ?? ''}` : 'no version yet';
  return { kind: 'Dataset', namespace: dataset.metadata.namespace ?? '', name: dataset.metadata.name ?? '', ...readyOf(s?.conditions), detail, labels: dataset.metadata.labels ?? {} };
}

/** An Algo in the catalog: its category, image and run digest. */
export function algoRow(algo: Readonly<Algo>): CatalogRow {
  const detail = `${algo.spec.category}, ${algo.spec.image}${algo.status?.runDigest ? `, ${algo.status.runDigest}` : ''}`;
  return { kind: 'Algo', namespace: algo.metadata.namespace ?? '', name: algo.metadata.name ?? '', ...readyOf(algo.status?.conditions), detail, labels: algo.metadata.labels ?? {} };
}

/** Job counts by phase, then by reason ("" when none). */
export function jobsByPhase(jobs: readonly JobSummary[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const { phase, reason = '' } of jobs) {
    const byReason = (counts[phase] ??= {});
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  }
  return counts;
}

/** The overview from what the user could list. */
export function overview(seen: { namespaces: string[]; hidden: string[]; plans: PlanSummary[]; jobs: readonly Readonly<TesseraJob>[]; warnings: ReadonlyArray<Readonly<k8s.CoreV1Event>> }): Overview {
  const jobs = seen.jobs.map(jobSummary);
  return { namespaces: seen.namespaces, hidden: seen.hidden, plans: seen.plans, jobs, jobsByPhase: jobsByPhase(jobs), warnings: newestEvents(seen.warnings) };
}
