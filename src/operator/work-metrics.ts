// The domain metrics (tessera_*), registered once by run.ts. Gauges are computed from the informer
// caches at scrape time, so the controllers carry no metric code and a gauge can never drift from
// what the caches hold. What must outlive a deleted Job (the CPU- and GPU-seconds runs held, how
// long they waited) is counted from the Jobs informer's events, once per Job uid.
//
// Restarts: a counter starts again at 0 in a new process, and a process counts only the Jobs that
// finish (or start) after it started; the ones before were its predecessor's to count. Counting
// every finished Job in a fresh cache instead would add all of them again at each restart, which
// increase() would show as a burst of work nobody did. What is lost is a Job that finished while no
// operator ran (a restart's few seconds). Every replica counts the same Jobs (all keep caches), so
// queries take the max across replicas (charts/tessera/dashboards/tessera.json), never the sum.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TesseraJob } from '../api/job.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { BlobStore } from '../storage/object-store.ts';
import type { Informers } from './informers.ts';
import { consumedSeconds, effectiveResources, finishedSince, jobsByPhase, oldestPending, planTasks, plansByPhase, queueWaitSeconds, startedSince, type Sample } from './work-metrics-compute.ts';
import { probeStore } from './work-metrics-store.ts';

/** The caches the domain metrics read (the operator's informers; plain objects in tests). */
export interface WorkCaches {
  jobs: Pick<Informers['jobs'], 'list' | 'onChange'>;
  plans: Pick<Informers['plans'], 'list'>;
  algos: Pick<Informers['algos'], 'get'>;
}

/** What the domain metrics read. */
export interface WorkMetricsDeps {
  registry: Registry;
  informers: WorkCaches;
  /** Probed for tessera_object_store_up; undefined when the operator runs without one. */
  store: BlobStore | undefined;
  clock: Clock;
  logger: Logger;
}

/** From a few seconds (admitted at once) to a day (a long queue). */
const queueWaitBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 86_400];

function setAll<L extends string>(gauge: Gauge<L>, samples: ReadonlyArray<Sample<L>>): void {
  // Reset first: a label set whose last Job went away must disappear, not keep its last value.
  gauge.reset();
  for (const { labels, value } of samples) gauge.set(labels as Partial<Record<L, string | number>>, value);
}

function registerGauges({ registry, informers, clock }: WorkMetricsDeps): void {
  const registers = [registry];
  new Gauge({
    name: 'tessera_jobs', help: 'Tessera Jobs in the cache by namespace, phase and reason', labelNames: ['namespace', 'phase', 'reason'], registers,
    collect() { setAll(this, jobsByPhase(informers.jobs.list())); },
  });
  new Gauge({
    name: 'tessera_plans', help: 'ComputePlans in the cache by namespace and phase', labelNames: ['namespace', 'phase'], registers,
    collect() { setAll(this, plansByPhase(informers.plans.list())); },
  });
  const omitted = new Gauge({ name: 'tessera_plan_tasks_omitted_plans', help: 'Active plans left out of tessera_plan_tasks (only the newest 200 are exported)', registers });
  new Gauge({
    name: 'tessera_plan_tasks', help: "Tasks of each active ComputePlan by phase (its status.counts)", labelNames: ['namespace', 'plan', 'phase'], registers,
    collect() {
      const { samples, omitted: left } = planTasks(informers.plans.list());
      setAll(this, samples);
      omitted.set(left);
    },
  });
  new Gauge({
    name: 'tessera_jobs_pending_oldest_seconds', help: "How long each namespace's longest-Pending Job has been Pending", labelNames: ['namespace'], registers,
    collect() { setAll(this, oldestPending(informers.jobs.list(), clock.now() / 1000)); },
  });
}

function resourcesOf(job: Readonly<TesseraJob>, algos: WorkCaches['algos']): ReturnType<typeof effectiveResources> {
  const ref = job.spec.algoRef;
  const algo = ref ? algos.get(job.metadata?.namespace ?? '', ref.name) : undefined;
  return effectiveResources(job, algo?.spec.resources);
}

/** Counts each Job once, from the informer's events: finished runs' resource-seconds and started runs' queue wait. */
function countJobEvents({ registry, informers }: WorkMetricsDeps, sinceSeconds: number): void {
  const registers = [registry];
  const cpu = new Counter({ name: 'tessera_job_cpu_seconds_total', help: 'CPU-seconds reserved by finished runs (requests × run time), by namespace', labelNames: ['namespace'], registers });
  const gpu = new Counter({ name: 'tessera_job_gpu_seconds_total', help: 'GPU-seconds reserved by finished runs (GPUs × run time), by namespace', labelNames: ['namespace'], registers });
  const wait = new Histogram({ name: 'tessera_job_queue_wait_seconds', help: "Time from a Job's creation to its run's start", labelNames: ['namespace'], buckets: queueWaitBuckets, registers });
  // uids, forgotten when the Job is deleted: a Job counts once however many updates it gets.
  const finished = new Set<string>();
  const started = new Set<string>();
  const observeStart = (job: Readonly<TesseraJob>, uid: string, namespace: string): void => {
    const waited = queueWaitSeconds(job);
    if (waited === undefined || started.has(uid) || !startedSince(job, sinceSeconds)) return;
    started.add(uid);
    wait.observe({ namespace }, waited);
  };
  const observeEnd = (job: Readonly<TesseraJob>, uid: string, namespace: string): void => {
    const held = consumedSeconds(job, resourcesOf(job, informers.algos));
    if (!held || finished.has(uid) || !finishedSince(job, sinceSeconds)) return;
    finished.add(uid);
    cpu.inc({ namespace }, held.cpu);
    gpu.inc({ namespace }, held.gpu);
  };
  informers.jobs.onChange((job, kind) => {
    const uid = job.metadata?.uid ?? '';
    if (kind === 'delete') {
      finished.delete(uid);
      started.delete(uid);
      return;
    }
    observeStart(job, uid, job.metadata?.namespace ?? '');
    observeEnd(job, uid, job.metadata?.namespace ?? '');
  });
}

/** Registers every domain metric on the registry; starts the store probe when there is a store. Returns a stop function. */
export function registerWorkMetrics(deps: WorkMetricsDeps): () => void {
  registerGauges(deps);
  countJobEvents(deps, deps.clock.now() / 1000);
  return deps.store ? probeStore({ registry: deps.registry, store: deps.store, logger: deps.logger }) : () => undefined;
}
