// What the domain metrics say about the work in the caches: Jobs by phase and reason, plans'
// progress, the resources finished runs held, how long runs waited to start. Pure: the collector
// (work-metrics.ts) hands in cached objects and the time, and turns the answers into series.
import type { Resources } from '../api/common.ts';
import type { ComputePlan } from '../api/computeplan.ts';
import { JobPhase, JobReason, type TesseraJob } from '../api/job.ts';

/** One labelled value of a gauge. */
export interface Sample<L extends string> {
  labels: Record<L, string>;
  value: number;
}

/** A reason the controller never writes (status is writable by anyone allowed the subresource) becomes this. */
export const otherReason = 'Other';

const knownReasons = new Set<string>(Object.values(JobReason));
const finishedPhases = new Set<string>([JobPhase.Succeeded, JobPhase.Failed, JobPhase.Canceled]);

/** The phases a plan's status.counts holds, as the label values of tessera_plan_tasks. */
export const planTaskPhases = ['pending', 'queued', 'running', 'succeeded', 'failed', 'canceled'] as const;

/** How many plans' tasks are exported one by one: beyond it the newest win, and the count says how many were left out. */
export const maxPlansExported = 200;

/** Counts Jobs by namespace, phase and reason; a Job without status yet counts as Pending. */
export function jobsByPhase(jobs: Iterable<Readonly<TesseraJob>>): Array<Sample<'namespace' | 'phase' | 'reason'>> {
  const counts = new Map<string, Sample<'namespace' | 'phase' | 'reason'>>();
  for (const job of jobs) {
    const namespace = job.metadata?.namespace ?? '';
    const phase = job.status?.phase ?? JobPhase.Pending;
    const raw = job.status?.reason ?? JobReason.Pending;
    const reason = knownReasons.has(raw) ? raw : otherReason;
    const key = `${namespace}/${phase}/${reason}`;
    const sample = counts.get(key) ?? { labels: { namespace, phase, reason }, value: 0 };
    sample.value += 1;
    counts.set(key, sample);
  }
  return [...counts.values()];
}

function isFinishedPlan(plan: Readonly<ComputePlan>): boolean {
  return finishedPhases.has(plan.status?.phase ?? '');
}

/**
 * Task counts of the plans still going (finished plans' counts no longer move, and a namespace that
 * keeps every plan it ever ran must not grow the series without bound), the newest `maxPlans` of
 * them; `omitted` says how many active plans were left out.
 */
export function planTasks(plans: Iterable<Readonly<ComputePlan>>, maxPlans = maxPlansExported): { samples: Array<Sample<'namespace' | 'plan' | 'phase'>>; omitted: number } {
  const active = [...plans].filter((p) => !isFinishedPlan(p) && p.status?.counts);
  active.sort((a, b) => (seconds(b.metadata?.creationTimestamp) ?? 0) - (seconds(a.metadata?.creationTimestamp) ?? 0));
  const samples = active.slice(0, maxPlans).flatMap((plan) => {
    const counts = plan.status?.counts ?? { total: 0 };
    const labels = { namespace: plan.metadata?.namespace ?? '', plan: plan.metadata?.name ?? '' };
    return planTaskPhases.map((phase) => ({ labels: { ...labels, phase }, value: counts[phase] ?? 0 }));
  });
  return { samples, omitted: Math.max(0, active.length - maxPlans) };
}

/** Counts plans by namespace and phase (a plan without status yet is Pending). */
export function plansByPhase(plans: Iterable<Readonly<ComputePlan>>): Array<Sample<'namespace' | 'phase'>> {
  const counts = new Map<string, Sample<'namespace' | 'phase'>>();
  for (const plan of plans) {
    const namespace = plan.metadata?.namespace ?? '';
    const phase = plan.status?.phase ?? 'Pending';
    const sample = counts.get(`${namespace}/${phase}`) ?? { labels: { namespace, phase }, value: 0 };
    sample.value += 1;
    counts.set(`${namespace}/${phase}`, sample);
  }
  return [...counts.values()];
}

const quantitySuffixes: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number (`500m` → 0.5, `2` → 2, `1e3` → 1000); 0 when it is not one. */
export function quantityValue(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0;
  if (typeof quantity === 'number') return quantity;
  const match = /^([0-9.]+(?:[eE][-+]?[0-9.]+)?)([a-zA-Z]*)$/.exec(quantity);
  const scale = match ? quantitySuffixes[match[2] ?? ''] : undefined;
  return match && scale !== undefined ? Number(match[1]) * scale : 0;
}

/** Epoch seconds of an RFC 3339 time (metadata's times are not typed: client-node may hand a Date). */
function seconds(time: unknown): number | undefined {
  if (!time || (typeof time !== 'string' && !(time instanceof Date))) return undefined;
  const ms = new Date(time).getTime();
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/** What a finished run held: CPU- and GPU-seconds, requests × (completion − start). */
export interface ResourceSeconds {
  cpu: number;
  gpu: number;
}

/**
 * The CPU- and GPU-seconds a finished Job's run reserved: its requests (which equal its limits)
 * times the time from its run's start to its completion, retries and file transfer included.
 * Undefined for a Job that has not finished or never started (nothing was held).
 */
export function consumedSeconds(job: Readonly<TesseraJob>, resources: Resources | undefined): ResourceSeconds | undefined {
  const ran = runSeconds(job);
  if (ran === undefined) return undefined;
  return { cpu: quantityValue(resources?.cpu) * ran, gpu: (resources?.gpu ?? 0) * ran };
}

/** A finished run's length, start to completion; undefined for a Job not finished or never started. */
function runSeconds(job: Readonly<TesseraJob>): number | undefined {
  const status = job.status;
  if (!status || !finishedPhases.has(status.phase)) return undefined;
  const start = seconds(status.startTime);
  const end = seconds(status.completionTime);
  return start === undefined || end === undefined || end < start ? undefined : end - start;
}

/** A Job's resources as its run has them: the Algo's, field by field under the Job's own. */
export function effectiveResources(job: Readonly<TesseraJob>, algoResources: Resources | undefined): Resources | undefined {
  if (!algoResources) return job.spec.resources;
  return { ...algoResources, ...job.spec.resources };
}

/** Seconds from a Job's creation to its run's start (admission by the queue, inputs resolved); undefined before it starts. */
export function queueWaitSeconds(job: Readonly<TesseraJob>): number | undefined {
  const created = seconds(job.metadata?.creationTimestamp);
  const started = seconds(job.status?.startTime);
  if (created === undefined || started === undefined) return undefined;
  return Math.max(0, started - created);
}

/**
 * How long each namespace's longest-Pending Job has been Pending, in seconds at `nowSeconds`.
 * Pending since the newest of its creation, its run's start and its conditions' transitions: a
 * retry of a long run is Pending again, and must not look as old as the run.
 */
export function oldestPending(jobs: Iterable<Readonly<TesseraJob>>, nowSeconds: number): Array<Sample<'namespace'>> {
  const oldest = new Map<string, number>();
  for (const job of jobs) {
    const since = pendingSince(job);
    if (since === undefined) continue;
    const namespace = job.metadata?.namespace ?? '';
    oldest.set(namespace, Math.max(oldest.get(namespace) ?? 0, nowSeconds - since));
  }
  return [...oldest].map(([namespace, value]) => ({ labels: { namespace }, value: Math.max(0, value) }));
}

/** When a Pending Job last moved (see oldestPending); undefined when it is not Pending or has no time at all. */
function pendingSince(job: Readonly<TesseraJob>): number | undefined {
  const status = job.status;
  if (status && status.phase !== JobPhase.Pending) return undefined;
  const times = [job.metadata?.creationTimestamp, status?.startTime, ...(status?.conditions ?? []).map((c) => c.lastTransitionTime)];
  const known = times.map(seconds).filter((t): t is number => t !== undefined);
  return known.length ? Math.max(...known) : undefined;
}

/** Whether a Job reached its end at or after `sinceSeconds`: those are a new process's to count, the older ones its predecessor's. */
export function finishedSince(job: Readonly<TesseraJob>, sinceSeconds: number): boolean {
  const end = seconds(job.status?.completionTime);
  return end !== undefined && end >= sinceSeconds;
}

/** Whether a Job's run started at or after `sinceSeconds`. */
export function startedSince(job: Readonly<TesseraJob>, sinceSeconds: number): boolean {
  const start = seconds(job.status?.startTime);
  return start !== undefined && start >= sinceSeconds;
}
