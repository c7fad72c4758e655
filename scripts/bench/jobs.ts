import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TesseraJob } from '../../src/api/job.ts';
import { defaultJobRuntimeConfig, desiredBatchJob } from '../../src/controllers/job/desired.ts';
import { labels } from '../../src/controllers/job/names.ts';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { clusterCpu, cpuBetween } from './cpu.ts';
import { startOperator, type RunningOperator } from '../../test/support/operator.ts';
import { waitFor } from '../../test/support/wait.ts';
import { readyRun } from '../../test/support/job-builders.ts';
import { benchCluster } from './cluster.ts';
import { watchUntilDone } from './watch-done.ts';
import { benchCli } from './shipped-cli.ts';
import { armHeapSnapshot, printHeapSummary, snapshotHeap } from './heap-summary.ts';
import { keptRows, measureRestartKept, measureRunningKept, type KeptFigures } from './jobs-kept.ts';

// 1,000 Tessera Jobs applied at once on kwok nodes against 1,000 bare batch/v1 Jobs of the same
// shape (the floor): time to all done, operator API requests per Job, operator RSS, event-loop p99;
// then what the operator costs while the finished Jobs are kept (jobs-kept.ts).

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const runFor = '2s';
const concurrency = 32;

export interface Clients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
  custom: k8s.CustomObjectsApi;
}

export function clients(): Clients {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterEnv().kubeconfig);
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), batch: kc.makeApiClient(k8s.BatchV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}

export function tesseraJob(namespace: string, i: number): TesseraJob {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: `bench-${i}`, namespace, annotations: { 'sim.tessera.dev/run-for': runFor } },
    spec: { image: 'local/sim:1', resources: { cpu: '10m', memory: '16Mi' } },
  };
}

/**
 * The batch Job the operator would create for job i: the same shape, so the floor is fair; labelled
 * as someone else's, so the operator measured next does not cache the floor's Jobs and pods.
 */
function floorBatchJob(namespace: string, i: number): k8s.V1Job {
  return floorOf(tesseraJob(namespace, i), i);
}

/** The batch Job the operator would create for `job` (the i-th), labelled as someone else's. */
export function floorOf(job: TesseraJob, i: number): k8s.V1Job {
  job.metadata.uid = `floor-${i}`;
  const batchJob = desiredBatchJob(job, readyRun(job), defaultJobRuntimeConfig);
  delete batchJob.metadata!.ownerReferences;
  const notTessera = { [labels.managedBy]: 'bench-floor' };
  batchJob.metadata!.labels = { ...batchJob.metadata!.labels, ...notTessera };
  batchJob.spec!.template.metadata!.labels = { ...batchJob.spec!.template.metadata!.labels, ...notTessera };
  return batchJob;
}

export async function inParallel(count: number, create: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await create(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function freshNamespace(core: k8s.CoreV1Api, name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } });
  await waitFor(`ServiceAccount in ${name}`, async () => Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace: name })));
}

async function timeFloor(c: Clients, count: number, namespace: string): Promise<FloorRun> {
  await freshNamespace(c.core, namespace);
  const cpuBefore = clusterCpu();
  const start = performance.now();
  const allDone = batchJobsDone(c, namespace, count, doneTimeoutMs(count));
  await inParallel(count, (i) => c.batch.createNamespacedJob({ namespace, body: floorBatchJob(namespace, i) }));
  await allDone;
  return { seconds: (performance.now() - start) / 1000, cpu: cpuBetween(cpuBefore, clusterCpu()) };
}

interface OperatorSample {
  rssBytes: number;
  heapUsedBytes: number;
  requests: number;
  eventLoopP99Seconds: number;
}

function metricValue(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function sampleOperator(metricsUrl: string, pid: number): Promise<OperatorSample> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return {
    rssBytes: rssKiB * 1024,
    requests: metricValue(text, 'rest_client_requests_total'),
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    eventLoopP99Seconds: metricValue(text, 'nodejs_eventloop_lag_p99_seconds'),
  };
}

/** Samples the operator every second into `peak` (its metrics endpoint, not the API server) until cleared. */
function samplePeaks(metricsUrl: string, pid: number, peak: OperatorSample): NodeJS.Timeout {
  return setInterval(() => {
    sampleOperator(metricsUrl, pid)
      .then((s) => {
        peak.rssBytes = Math.max(peak.rssBytes, s.rssBytes);
        peak.eventLoopP99Seconds = Math.max(peak.eventLoopP99Seconds, s.eventLoopP99Seconds);
      })
      .catch(() => undefined);
  }, 1000);
}

interface TesseraRun {
  seconds: number;
  peak: OperatorSample;
  final: OperatorSample;
  cpu: Map<string, number>;
  kept: KeptFigures;
}

/** Resolves once `count` batch Jobs in `namespace` have succeeded (watched, not polled). */
export function batchJobsDone(c: Clients, namespace: string, count: number, timeoutMs: number): Promise<void> {
  return watchUntilDone<k8s.V1Job>(c.kc, {
    path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
    list: () => c.batch.listNamespacedJob({ namespace }),
    count,
    isDone: (j) => (j.status?.succeeded ?? 0) > 0,
  }, timeoutMs);
}

/** Resolves once `count` Tessera Jobs in `namespace` are Succeeded (watched, not polled). */
export function tesseraJobsDone(c: Clients, namespace: string, count: number, timeoutMs: number): Promise<void> {
  const tesseraJobs = { group: 'tessera.dev', version: 'v1alpha1', plural: 'jobs', namespace };
  return watchUntilDone<TesseraJob>(c.kc, {
    path: `/apis/tessera.dev/v1alpha1/namespaces/${namespace}/jobs`,
    list: async () => (await c.custom.listNamespacedCustomObject(tesseraJobs)) as { items: TesseraJob[] },
    count,
    isDone: (j) => j.status?.phase === 'Succeeded',
  }, timeoutMs);
}

/** Prints the operator's API requests and, with TESSERA_BENCH_HEAP_SNAPSHOT (`heapDir`), what its heap holds. */
async function printOperatorRequests(metricsUrl: string, pid: number, heapDir: string | undefined): Promise<void> {
  const metricsText = await (await fetch(`${metricsUrl}/metrics`)).text();
  console.log('  operator requests by method and code:');
  for (const line of metricsText.split('\n').filter((l) => l.startsWith('rest_client_requests_total{'))) console.log(`    ${line}`);
  if (heapDir) printHeapSummary(await snapshotHeap(pid, heapDir, async () => (await fetch(`${metricsUrl}/readyz`)).ok));
}

/**
 * The operator's requests and heap, and what it costs to keep the finished Jobs: the idle window
 * first, since writing a heap snapshot leaves the process larger than its work does.
 */
async function reportAndMeasureKept(operator: RunningOperator, heapDir: string | undefined, restartName: string, args: string[]): Promise<KeptFigures> {
  const running = await measureRunningKept(operator);
  await printOperatorRequests(operator.metricsUrl, operator.process.pid!, heapDir);
  await operator.stop();
  return { running, restart: await measureRestartKept(restartName, args) };
}

async function timeTessera(c: Clients, count: number, namespace: string): Promise<TesseraRun> {
  await freshNamespace(c.core, namespace);
  const tuning = process.env.TESSERA_BENCH_OPERATOR_ARGS?.split(' ').filter(Boolean) ?? ['--workers', '16', '--qps', '200', '--burst', '400'];
  const heapDir = armHeapSnapshot();
  const operator = await startOperator(`bench-${namespace}`, ['--no-leader-elect', ...tuning], { cli: benchCli().path });
  const pid = operator.process.pid!;
  const before = await sampleOperator(operator.metricsUrl, pid);
  // Start-up (module loading, the first lists) is not what this measures: peaks count from here.
  const peak: OperatorSample = { ...before, eventLoopP99Seconds: 0 };
  const cpuBefore = clusterCpu({ operator: pid });
  const start = performance.now();
  const tesseraJobs = { group: 'tessera.dev', version: 'v1alpha1', plural: 'jobs', namespace };
  const allDone = tesseraJobsDone(c, namespace, count, doneTimeoutMs(count));
  const sampling = samplePeaks(operator.metricsUrl, pid, peak);
  await inParallel(count, (i) => c.custom.createNamespacedCustomObject({ ...tesseraJobs, body: tesseraJob(namespace, i) }));
  await allDone.finally(() => clearInterval(sampling));
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuBetween(cpuBefore, clusterCpu({ operator: pid }));
  const final = await sampleOperator(operator.metricsUrl, pid);
  const kept = await reportAndMeasureKept(operator, heapDir, `bench-${namespace}-restart`, ['--no-leader-elect', ...tuning]);
  return { seconds, peak, final: { ...final, requests: final.requests - before.requests }, cpu, kept };
}

/** Seconds to wait for `count` Jobs: 15 minutes, or 0.3 s a Job for more than 3,000. */
export function doneTimeoutMs(count: number): number {
  return Math.max(900_000, count * 300);
}

/** CPU seconds by component in each run: on two cores, the extra work is the extra time. */
export function printCpu(floor: Map<string, number>, tessera: Map<string, number>): void {
  console.log('');
  console.log('CPU seconds | tessera | floor');
  const names = [...tessera.keys()].filter((name) => (tessera.get(name) ?? 0) + (floor.get(name) ?? 0) >= 0.05);
  for (const name of names) console.log(`${name} | ${tessera.get(name)?.toFixed(1)} | ${floor.get(name)?.toFixed(1) ?? '-'}`);
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`all | ${sum(tessera).toFixed(1)} | ${sum(floor).toFixed(1)}`);
}

interface FloorRun {
  seconds: number;
  cpu: Map<string, number>;
}

/** The figures of one run; without a floor (`no-floor`), no time ratio. */
export function jobsRows(tessera: Omit<TesseraRun, 'cpu'>, floor: Pick<FloorRun, 'seconds'> | undefined, count: number): string[][] {
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
  const floorTime = floor ? [`${floor.seconds.toFixed(1)} s`, `${(tessera.seconds / floor.seconds).toFixed(2)}x`] : ['-', '-'];
  return [
    ['time to all done', `${tessera.seconds.toFixed(1)} s`, ...floorTime, '<= 1.15x'],
    ['operator API requests per Job', (tessera.final.requests / count).toFixed(2), '-', '-', '<= 3'],
    ['operator peak RSS', `${mib(tessera.peak.rssBytes)} MiB`, '-', '-', '<= 130 MiB'],
    ['operator heap used at the end', `${mib(tessera.final.heapUsedBytes)} MiB`, '-', '-', '-'],
    ['event-loop delay p99 (max seen)', `${(tessera.peak.eventLoopP99Seconds * 1000).toFixed(1)} ms`, '-', '-', '-'],
    ...keptRows(tessera.kept, count),
  ];
}

/**
 * Runs the jobs benchmark and prints its figures. Args: [count] (default 1000) and `no-floor` (the
 * Tessera Jobs alone: at 10,000 the floor's own 10,000 Jobs and pods, kept until the end, double
 * what the API server holds while Tessera's run).
 */
export async function benchJobs(args: string[]): Promise<void> {
  const count = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 1000);
  benchCluster();
  const kubectl = clusterEnv().kubectl;
  execFileSync(kubectl, ['--kubeconfig', clusterEnv().kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', `${repo}/crds`], { stdio: 'ignore' });
  const c = clients();
  const stamp = Date.now().toString(36);
  const namespaces = { floor: `bench-floor-${stamp}`, tessera: `bench-tessera-${stamp}` };
  console.log(`bench jobs: ${count} jobs of ${runFor} each on kwok nodes, created ${concurrency} at a time; the operator runs ${benchCli().label}`);
  const floor = args.includes('no-floor') ? undefined : await timeFloor(c, count, namespaces.floor);
  if (floor) console.log(`  floor (bare batch/v1 Jobs): ${floor.seconds.toFixed(1)} s`);
  const tessera = await timeTessera(c, count, namespaces.tessera);
  console.log('');
  console.log(['figure', 'tessera', 'floor', 'ratio', 'target'].join(' | '));
  for (const row of jobsRows(tessera, floor, count)) console.log(row.join(' | '));
  printCpu(floor?.cpu ?? new Map<string, number>(), tessera.cpu);
  for (const ns of floor ? [namespaces.floor, namespaces.tessera] : [namespaces.tessera]) await c.core.deleteNamespace({ name: ns });
}
