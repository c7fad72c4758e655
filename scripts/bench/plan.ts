import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { startMoverSim } from '../../test/support/mover-sim.ts';
import { startOperator } from '../../test/support/operator.ts';
import { waitFor } from '../../test/support/wait.ts';
import { benchCluster } from './cluster.ts';
import { benchCli } from './shipped-cli.ts';

// 1,000-task ComputePlans on kwok nodes, tasks of a fixed duration: a chain, a 1 → 999 fan-out and
// 10 layers of 100 (each task reading one output of the layer before). For each: makespan and its
// overhead over the critical path, dispatch latency (a parent seen Succeeded → its child's Job seen
// created, both through one watch, so both carry the same watch delay), the plan object's size and
// the operator's API requests per task. The mover simulator plays the kubelet for the file-set
// containers (kwok runs none); it is part of the environment, like kwok.

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const runFor = '500ms';
const runForMs = 500;
const extraNodes = 12;

export interface Shape {
  name: string;
  tasks: Array<{ name: string; parent?: string }>;
  /** Tasks on the longest path. */
  depth: number;
}

export function shapes(count: number): Shape[] {
  const chain = Array.from({ length: count }, (_, i) => ({ name: `t${i}`, parent: i > 0 ? `t${i - 1}` : undefined }));
  const fan = Array.from({ length: count }, (_, i) => ({ name: `t${i}`, parent: i > 0 ? 't0' : undefined }));
  const width = Math.max(1, Math.floor(count / 10));
  const layers = Array.from({ length: count }, (_, i) => {
    const layer = Math.floor(i / width);
    return { name: `l${layer}-t${i % width}`, parent: layer > 0 ? `l${layer - 1}-t${(i + layer) % width}` : undefined };
  });
  return [
    { name: 'chain', tasks: chain, depth: count },
    { name: 'fan-out', tasks: fan, depth: 2 },
    { name: 'layers', tasks: layers, depth: Math.ceil(count / width) },
  ];
}

export function planSpec(shape: Shape): unknown {
  return {
    tasks: shape.tasks.map((t) => ({
      name: t.name,
      algoRef: { name: 'step' },
      inputs: t.parent ? [{ name: 'in', taskOutput: { task: t.parent, output: 'out' } }] : [],
    })),
  };
}

/** When each task's Job was first seen, and when it was first seen Succeeded (ms, this clock). */
interface Sightings {
  created: Map<string, number>;
  succeeded: Map<string, number>;
}

async function watchJobs(kc: k8s.KubeConfig, namespace: string, sightings: Sightings): Promise<AbortController> {
  const watch = new k8s.Watch(kc);
  return watch.watch(
    `/apis/tessera.dev/v1alpha1/namespaces/${namespace}/jobs`,
    {},
    (type: string, job: TesseraJob) => {
      const task = job.metadata.labels?.['tessera.dev/task'];
      if (!task) return;
      const now = performance.now();
      if (!sightings.created.has(task)) sightings.created.set(task, now);
      if (job.status?.phase === 'Succeeded' && !sightings.succeeded.has(task)) sightings.succeeded.set(task, now);
    },
    () => undefined,
  );
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function metricTotal(text: string, name: string): number {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

interface ShapeResult {
  shape: string;
  makespanS: number;
  criticalPathS: number;
  p50Ms: number;
  p99Ms: number;
  planKiB: number;
  statusKiB: number;
  requestsPerTask: number;
}

function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  return execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** A fresh namespace with the plan's Algo in it. */
export async function prepareNamespace(shape: Shape, stamp: string): Promise<string> {
  const namespace = `bench-plan-${shape.name}-${stamp}`;
  kubectl(['create', 'namespace', namespace]);
  await waitFor(`ServiceAccount in ${namespace}`, () => kubectl(['get', 'serviceaccount', 'default', '-n', namespace, '-o', 'name']).includes('default'));
  kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'step' }, spec: { image: 'local/sim:1', category: 'train', outputs: [{ name: 'out' }] } }));
  return namespace;
}

/** Applies the plan and waits for it to end; returns it and the makespan in seconds. */
async function runPlan(shape: Shape, namespace: string): Promise<{ plan: ComputePlan; makespanS: number }> {
  const start = performance.now();
  kubectl(['apply', '--server-side', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'bench', annotations: { 'sim.tessera.dev/run-for': runFor } }, spec: planSpec(shape) }));
  const plan = await waitFor(`plan ${shape.name} done`, () => {
    const p = JSON.parse(kubectl(['get', 'computeplan', 'bench', '-n', namespace, '-o', 'json'])) as ComputePlan;
    return ['Succeeded', 'Failed'].includes(p.status?.phase ?? '') ? p : undefined;
  }, 7_200_000);
  return { plan, makespanS: (performance.now() - start) / 1000 };
}

/** How long each task waited after its parent succeeded, in ms. */
function handoffLatencies(shape: Shape, sightings: Sightings): number[] {
  return shape.tasks.flatMap((t) => {
    const parentDone = t.parent ? sightings.succeeded.get(t.parent) : undefined;
    const created = sightings.created.get(t.name);
    return parentDone !== undefined && created !== undefined ? [created - parentDone] : [];
  });
}

async function runShape(shape: Shape, kc: k8s.KubeConfig, stamp: string): Promise<ShapeResult> {
  const namespace = await prepareNamespace(shape, stamp);
  const operator = await startOperator(`bench-plan-${shape.name}`, ['--no-leader-elect', '--workers', '16', '--qps', '400', '--burst', '800'], { cli: benchCli().path });
  const sim = startMoverSim({ namespaces: [namespace], transferUrl: operator.transferUrl, write: writeEveryOutput, concurrency: 48 });
  const sightings: Sightings = { created: new Map(), succeeded: new Map() };
  const watch = await watchJobs(kc, namespace, sightings);
  const before = metricTotal(await (await fetch(`${operator.metricsUrl}/metrics`)).text(), 'rest_client_requests_total');
  const { plan, makespanS } = await runPlan(shape, namespace);
  const metricsText = await (await fetch(`${operator.metricsUrl}/metrics`)).text();
  const after = metricTotal(metricsText, 'rest_client_requests_total');
  const byMethod = metricsText.split('\n').filter((l) => l.startsWith('rest_client_requests_total{'));
  console.log(`  ${shape.name}: operator requests by method and code (since its start): ${byMethod.map((l) => l.slice(l.indexOf('{'))).join(', ')}`);
  watch.abort();
  await sim.stop();
  await operator.stop();
  if (plan.status?.phase !== 'Succeeded') console.log(`  plan ${shape.name} ended ${plan.status?.phase}: ${JSON.stringify(plan.status?.conditions)}`);
  // A mover the simulator could not run leaves its pod without a result: say why, or a failed plan reads as the operator's.
  for (const [pod, why] of [...sim.failures].slice(0, 5)) console.log(`  simulated mover of ${pod} failed (${sim.failures.size} in all): ${why}`);
  const latencies = handoffLatencies(shape, sightings);
  kubectl(['delete', 'namespace', namespace, '--wait=false']);
  return {
    shape: shape.name,
    makespanS,
    criticalPathS: (shape.depth * runForMs) / 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    planKiB: Buffer.byteLength(JSON.stringify(plan)) / 1024,
    statusKiB: Buffer.byteLength(JSON.stringify(plan.status)) / 1024,
    requestsPerTask: (after - before) / shape.tasks.length,
  };
}

export async function writeEveryOutput(_pod: unknown, root: string): Promise<void> {
  for (const output of await readdir(join(root, 'outputs'))) await writeFile(join(root, 'outputs', output, 'out.txt'), 'x');
}

export function extraNodeManifests(): string {
  const nodes = Array.from({ length: extraNodes }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `bench-cpu-${i}`, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { type: 'kwok', 'kubernetes.io/hostname': `bench-cpu-${i}`, 'tessera.dev/pool': 'bench' } },
    status: { capacity: { cpu: '64', memory: '256Gi', pods: '256' }, allocatable: { cpu: '64', memory: '256Gi', pods: '256' } },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes });
}

function resultRow(r: ShapeResult): string {
  const overhead = r.makespanS - r.criticalPathS;
  return [r.shape, `${r.makespanS.toFixed(1)} s`, `${r.criticalPathS.toFixed(1)} s`, `${overhead.toFixed(1)} s`, `${r.p50Ms.toFixed(0)} ms`, `${r.p99Ms.toFixed(0)} ms`, `${r.planKiB.toFixed(0)} KiB`, `${r.statusKiB.toFixed(1)} KiB`, r.requestsPerTask.toFixed(2)].join(' | ');
}

/** Runs the plan benchmark and prints its figures. Args: [tasks per plan] [shape...]. */
export async function benchPlan(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 1000);
  const only = new Set(args.slice(1));
  benchCluster();
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', `${repo}/crds`]);
  // A 999-wide fan-out needs room: kwok nodes cost nothing, so the bench brings its own.
  kubectl(['apply', '-f', '-'], extraNodeManifests());
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterEnv().kubeconfig);
  const stamp = Date.now().toString(36);
  console.log(`bench plan: ${count}-task plans, tasks of ${runFor} each, on kwok nodes (+${extraNodes} bench nodes)`);
  // Each shape's row is printed as soon as it is done: a 1,000-task chain alone takes ~45 min here.
  console.log(['shape', 'makespan', 'critical path', 'overhead', 'dispatch p50', 'dispatch p99', 'plan object', 'status', 'requests/task'].join(' | '));
  try {
    for (const shape of shapes(count).filter((s) => only.size === 0 || only.has(s.name))) console.log(resultRow(await runShape(shape, kc, stamp)));
  } finally {
    kubectl(['delete', 'nodes', '-l', 'tessera.dev/pool=bench', '--wait=false']);
  }
  console.log('targets: dispatch p50 <= 100 ms, p99 <= 1 s, plan object <= 256 KiB');
}
