import type * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TesseraJob } from '../../src/api/job.ts';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { startOperator } from '../../test/support/operator.ts';
import { benchCluster } from './cluster.ts';
import { clusterCpu, cpuBetween } from './cpu.ts';
import { batchJobsDone, clients, floorOf, freshNamespace, inParallel, printCpu, tesseraJobsDone, type Clients } from './jobs.ts';
import { benchCli } from './shipped-cli.ts';

// 1,000 one-pod GPU Jobs through the real Kueue (a ClusterQueue as large as the kwok GPU pool, a
// LocalQueue `gpus` in each namespace): Tessera Jobs with queueName against bare batch Jobs of the
// same shape with the same queue label (the floor), one after the other in the same run. Time to all
// done, and the CPU seconds of the API server, Kueue and the operator: what Tessera adds to queueing.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const runFor = '1s';
const localQueue = 'gpus';

function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  return execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function tesseraJob(namespace: string, i: number): TesseraJob {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: `bench-${i}`, namespace, annotations: { 'sim.tessera.dev/run-for': runFor } },
    spec: { image: 'local/sim:1', queueName: localQueue, resources: { cpu: '10m', memory: '16Mi', gpu: 1 } },
  };
}

/** The suspended, queue-labelled batch Job the operator would create for job i, labelled as someone else's. */
function floorBatchJob(namespace: string, i: number): k8s.V1Job {
  return floorOf(tesseraJob(namespace, i), i);
}

/** A StrictFIFO ClusterQueue of `gpus` GPUs in the kwok GPU pool's flavor, and a LocalQueue in each namespace. */
function applyQueues(clusterQueue: string, namespaces: string[], gpus: number): void {
  const queue = {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'ClusterQueue',
    metadata: { name: clusterQueue },
    spec: {
      // Identical Workloads: BestEffortFIFO would retry every pending one each time one finishes,
      // quadratic work for Kueue that would swamp what Tessera adds.
      queueingStrategy: 'StrictFIFO',
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] },
      resourceGroups: [
        {
          coveredResources: ['cpu', 'memory', 'nvidia.com/gpu'],
          flavors: [{ name: 'gpu', resources: [{ name: 'cpu', nominalQuota: 64 }, { name: 'memory', nominalQuota: '512Gi' }, { name: 'nvidia.com/gpu', nominalQuota: gpus }] }],
        },
      ],
    },
  };
  const locals = namespaces.map((namespace) => ({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: localQueue, namespace }, spec: { clusterQueue } }));
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [queue, ...locals] }));
}

interface Run {
  seconds: number;
  cpu: Map<string, number>;
}

async function timeFloor(c: Clients, count: number, namespace: string): Promise<Run> {
  const cpuBefore = clusterCpu();
  const start = performance.now();
  const allDone = batchJobsDone(c, namespace, count, 1_800_000);
  await inParallel(count, (i) => c.batch.createNamespacedJob({ namespace, body: floorBatchJob(namespace, i) }));
  await allDone;
  return { seconds: (performance.now() - start) / 1000, cpu: cpuBetween(cpuBefore, clusterCpu()) };
}

async function timeTessera(c: Clients, count: number, namespace: string): Promise<Run> {
  const tuning = process.env.TESSERA_BENCH_OPERATOR_ARGS?.split(' ').filter(Boolean) ?? ['--workers', '16', '--qps', '200', '--burst', '400'];
  const operator = await startOperator(`bench-kueue-${namespace}`, ['--no-leader-elect', ...tuning], { cli: benchCli().path });
  try {
    const pid = operator.process.pid!;
    const cpuBefore = clusterCpu({ operator: pid });
    const start = performance.now();
    const allDone = tesseraJobsDone(c, namespace, count, 1_800_000);
    await inParallel(count, (i) => c.custom.createNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural: 'jobs', namespace, body: tesseraJob(namespace, i) }));
    await allDone;
    return { seconds: (performance.now() - start) / 1000, cpu: cpuBetween(cpuBefore, clusterCpu({ operator: pid })) };
  } finally {
    await operator.stop();
  }
}

function printFigures(floor: Run, tessera: Run): void {
  console.log(`  tessera (Jobs with queueName): ${tessera.seconds.toFixed(1)} s`);
  const api = (run: Run): number => run.cpu.get('kube-apiserver') ?? 0;
  console.log('');
  console.log(['figure', 'tessera', 'floor', 'ratio', 'target'].join(' | '));
  console.log(['time to all done', `${tessera.seconds.toFixed(1)} s`, `${floor.seconds.toFixed(1)} s`, `${(tessera.seconds / floor.seconds).toFixed(2)}x`, '<= 1.15x'].join(' | '));
  console.log(['kube-apiserver CPU', `${api(tessera).toFixed(1)} s`, `${api(floor).toFixed(1)} s`, `${(api(tessera) / api(floor)).toFixed(2)}x`, '-'].join(' | '));
  printCpu(floor.cpu, tessera.cpu);
}

function requireKueue(): void {
  try {
    kubectl(['get', 'resourceflavors.kueue.x-k8s.io', 'gpu', '-o', 'name']);
  } catch (error) {
    throw new Error('bench kueue: Kueue is not in the local cluster (no `gpu` ResourceFlavor); `scripts/cluster.sh up` starts it unless TESSERA_KUEUE=0', { cause: error });
  }
}

/** Runs the Kueue benchmark and prints its figures. Args: [count] (default 1000) [gpus] (the quota; default 16, the kwok GPU pool). */
export async function benchKueue(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 1000);
  const gpus = Number(args[1] ?? 16);
  benchCluster();
  requireKueue();
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', `${repo}/crds`]);
  const c = clients();
  const stamp = Date.now().toString(36);
  const floorNs = `bench-kueue-floor-${stamp}`;
  const tesseraNs = `bench-kueue-tessera-${stamp}`;
  const clusterQueue = `bench-kueue-${stamp}`;
  console.log(`bench kueue: ${count} one-pod GPU Jobs of ${runFor} each through a ${gpus}-GPU ClusterQueue, created 32 at a time`);
  try {
    for (const namespace of [floorNs, tesseraNs]) await freshNamespace(c.core, namespace);
    applyQueues(clusterQueue, [floorNs, tesseraNs], gpus);
    const floor = await timeFloor(c, count, floorNs);
    console.log(`  floor (bare batch/v1 Jobs with the queue label): ${floor.seconds.toFixed(1)} s`);
    printFigures(floor, await timeTessera(c, count, tesseraNs));
  } finally {
    kubectl(['delete', '--ignore-not-found', '--wait=false', 'clusterqueues.kueue.x-k8s.io', clusterQueue]);
    for (const name of [floorNs, tesseraNs]) await c.core.deleteNamespace({ name }).catch(() => undefined);
  }
}
