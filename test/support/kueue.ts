import { afterAll, beforeAll } from 'vitest';
import { kube } from './kube.ts';
import { kubectl } from './kubectl.ts';

// Kueue in the local cluster, for tests that run Tessera behind it: a check that it is there (it is
// started only with TESSERA_KUEUE=1), and a ClusterQueue over the kwok GPU pool's flavor, with a
// LocalQueue in each organization namespace and two PriorityClasses, made for one test file.

const healthUrl = `http://127.0.0.1:${process.env.TESSERA_KUEUE_HEALTH_PORT ?? '39081'}/readyz`;

/** Throws, saying how to start it, unless the kueue manager answers and the `gpu` ResourceFlavor exists. */
export async function requireKueue(): Promise<void> {
  const how = '`scripts/cluster.sh up` starts it unless TESSERA_KUEUE=0';
  const ready = await fetch(healthUrl).then((r) => r.ok, () => false);
  if (!ready) throw new Error(`Kueue is not running in the local cluster (${healthUrl} does not answer): ${how}`);
  try {
    kubectl(['get', 'resourceflavors.kueue.x-k8s.io', 'gpu']);
  } catch (error) {
    throw new Error(`Kueue runs but the kwok pools' ResourceFlavors are missing: ${how}`, { cause: error });
  }
}

/** What a test file gets: the LocalQueue name (in every namespace) and its PriorityClasses. */
export interface TestQueue {
  clusterQueue: string;
  localQueue: string;
  low: string;
  high: string;
}

/** How the ClusterQueue orders its Workloads (Kueue's queueingStrategy; BestEffortFIFO by default). */
export type QueueingStrategy = 'BestEffortFIFO' | 'StrictFIFO';

function manifests(queue: TestQueue, namespaces: string[], gpus: number, strategy: QueueingStrategy): object[] {
  const clusterQueue = {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'ClusterQueue',
    metadata: { name: queue.clusterQueue },
    spec: {
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] },
      queueingStrategy: strategy,
      preemption: { withinClusterQueue: 'LowerPriority' },
      resourceGroups: [
        {
          coveredResources: ['cpu', 'memory', 'nvidia.com/gpu'],
          flavors: [{ name: 'gpu', resources: [{ name: 'cpu', nominalQuota: 64 }, { name: 'memory', nominalQuota: '512Gi' }, { name: 'nvidia.com/gpu', nominalQuota: gpus }] }],
        },
      ],
    },
  };
  const localQueues = namespaces.map((namespace) => ({
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'LocalQueue',
    metadata: { name: queue.localQueue, namespace },
    spec: { clusterQueue: queue.clusterQueue },
  }));
  const priority = (name: string, value: number): object => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
  return [clusterQueue, ...localQueues, priority(queue.low, 100), priority(queue.high, 1000)];
}

/**
 * A ClusterQueue of `gpus` GPUs in the `gpu` flavor (preempting lower priorities within it), shared
 * by `namespaces` through a LocalQueue in each, made before the file's tests and removed after.
 * StrictFIFO suits many identical Workloads: Kueue tries only the oldest, where BestEffortFIFO tries
 * every pending one again each time quota frees up.
 */
export function useTestQueue(namespaces: Array<{ name: string }>, gpus: number, strategy: QueueingStrategy = 'BestEffortFIFO'): TestQueue {
  const tag = Math.random().toString(36).slice(2, 7);
  const queue: TestQueue = { clusterQueue: `tessera-test-${tag}`, localQueue: 'gpus', low: `tessera-test-low-${tag}`, high: `tessera-test-high-${tag}` };
  beforeAll(async () => {
    await requireKueue();
    const list = { apiVersion: 'v1', kind: 'List', items: manifests(queue, namespaces.map((n) => n.name), gpus, strategy) };
    kubectl(['apply', '-f', '-'], JSON.stringify(list));
  });
  afterAll(() => {
    kubectl(['delete', '--ignore-not-found', '--wait=false', 'clusterqueues.kueue.x-k8s.io', queue.clusterQueue]);
    kubectl(['delete', '--ignore-not-found', 'priorityclasses.scheduling.k8s.io', queue.low, queue.high]);
  });
  return queue;
}

/** The GPUs the pods of `namespaces` hold right now: every pod not yet Succeeded or Failed counts. */
export async function gpusInUse(namespaces: string[]): Promise<number> {
  const { core } = kube();
  // One list across the cluster, not one per namespace: a single snapshot of the API server's cache.
  // Listing namespace by namespace could see a preempted run's pod before it was deleted and then
  // its preemptor's pod created after, counting both though they never held GPUs at the same time.
  // Finished pods stay (a batch Job's TTL is an hour): the API server leaves them out, not the test.
  const pods = await core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
  const watched = new Set(namespaces);
  let total = 0;
  // A preempted run's pod in its grace period is left out: Kueue releases the quota once the batch
  // Job has no active pod, and with podReplacementPolicy Failed a terminating pod is not active, so
  // the preemptor is admitted while the victim still stops. The quota bounds admitted pods.
  for (const pod of pods.items.filter((p) => watched.has(p.metadata?.namespace ?? '') && !p.metadata?.deletionTimestamp)) {
    for (const container of pod.spec?.containers ?? []) total += Number(container.resources?.limits?.['nvidia.com/gpu'] ?? 0);
  }
  return total;
}

/** Samples gpusInUse every `everyMs` until stopped; the samples say the most ever held at once. */
export function sampleGpus(namespaces: string[], everyMs = 200): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await gpusInUse(namespaces));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}
