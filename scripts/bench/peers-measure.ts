import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { waitFor } from '../../test/support/wait.ts';
import { clusterCpu, cpuBetween } from './cpu.ts';
import { dispatchLatencies, emptySightings, podTaskKey, sightPod, terminalPhase, type DagTask, type RunFigures, type Sightings } from './peers-report.ts';

// One measured run of either engine, the same way for both: a pod watch (when each task's pod was
// first seen, and first seen Succeeded), a watch on the engine's own objects (when each ended), the
// engine's resident memory sampled each second, and every cluster component's CPU before and after.

export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterEnv().kubeconfig);
  return kc;
}

/** Deletes a namespace and waits for it to be gone, so its clean-up never lands in the next run. */
export function deleteNamespace(namespace: string): void {
  const env = clusterEnv();
  execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, 'delete', 'namespace', namespace, '--wait=true', '--timeout=10m'], { stdio: 'ignore' });
}

interface Watched {
  stop(): void;
}

/**
 * Watches `path`, calling `onEvent` for each object; a watch the apiserver ends (its timeout) is
 * started again, so a long run keeps seeing events.
 */
function keepWatching(kc: k8s.KubeConfig, path: string, onEvent: (object: k8s.KubernetesObject & { status?: { phase?: string } }) => void): Watched {
  let stopped = false;
  let current: AbortController | undefined;
  const start = async (): Promise<void> => {
    if (stopped) return;
    current = await new k8s.Watch(kc).watch(path, {}, (_type: string, object: k8s.KubernetesObject) => onEvent(object), () => void start().catch(() => undefined));
  };
  void start().catch((error: unknown) => console.error(`watch ${path}: ${String(error)}`));
  return {
    stop() {
      stopped = true;
      current?.abort();
    },
  };
}

/** Peak VmRSS of `pid`, sampled every second until stopped. */
function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  const sample = (): void => {
    try {
      const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kib * 1024);
    } catch {
      // Gone: the peak so far stands.
    }
  };
  sample();
  const timer = setInterval(sample, 1000);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** What one run is: where its objects live, which process is the engine, and how to submit the work. */
export interface RunSpec {
  namespace: string;
  /** The engine's process, measured for CPU and RSS. */
  controllerPid: number;
  /** The engine's objects whose end is the run's end (e.g. /apis/argoproj.io/v1alpha1/namespaces/x/workflows). */
  objectsPath: string;
  /** How many of them end the run. */
  objects: number;
  tasks: readonly DagTask[];
  /** Creates the work, noting when each task (or the whole DAG's roots) was submitted. */
  submit(sightings: Sightings): Promise<void>;
  timeoutMs: number;
}

/** Runs `spec` and measures it. */
export async function measureRun(kc: k8s.KubeConfig, spec: RunSpec): Promise<RunFigures> {
  const sightings = emptySightings();
  const ended = new Map<string, { phase: 'Succeeded' | 'Failed'; at: number }>();
  const pods = keepWatching(kc, `/api/v1/namespaces/${spec.namespace}/pods`, (pod) => {
    const key = podTaskKey(pod.metadata ?? {});
    if (key) sightPod(sightings, key, pod.status?.phase, performance.now());
  });
  const objects = keepWatching(kc, spec.objectsPath, (object) => {
    const phase = terminalPhase(object);
    const name = object.metadata?.name ?? '';
    if (phase && !ended.has(name)) ended.set(name, { phase, at: performance.now() });
  });
  // Both watches are open before the first object is made.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rss = sampleRss(spec.controllerPid);
  const cpuBefore = clusterCpu({ controller: spec.controllerPid });
  const start = performance.now();
  try {
    await spec.submit(sightings);
    await waitFor(`${spec.objects} objects ended in ${spec.namespace}`, () => (ended.size >= spec.objects ? true : undefined), spec.timeoutMs);
  } finally {
    pods.stop();
    objects.stop();
  }
  const cpu = cpuBetween(cpuBefore, clusterCpu({ controller: spec.controllerPid }));
  const last = Math.max(...[...ended.values()].map((e) => e.at));
  const succeededObjects = [...ended.values()].filter((e) => e.phase === 'Succeeded').length;
  return {
    makespanS: (last - start) / 1000,
    dispatchMs: dispatchLatencies(spec.tasks, sightings),
    tasks: spec.tasks.length,
    // One object per task (independent runs) or one for all (a DAG): a failed DAG counts its pods that succeeded.
    succeeded: spec.objects === spec.tasks.length ? succeededObjects : succeededObjects === spec.objects ? spec.tasks.length : sightings.podSucceeded.size,
    apiserverCpuS: cpu.get('kube-apiserver') ?? NaN,
    controllerCpuS: cpu.get('controller') ?? NaN,
    controllerPeakRssBytes: rss.stop(),
    cpu,
  };
}

/** Runs `create` for 0..count-1, `concurrency` at a time (as the jobs bench creates its Jobs). */
export async function inParallel(count: number, concurrency: number, create: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await create(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
