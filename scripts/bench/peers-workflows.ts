import * as k8s from '@kubernetes/client-node';
import { startMoverSim } from '../../test/support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../../test/support/operator.ts';
import { freshNamespace, runFor as jobRunFor, tesseraJob } from './jobs.ts';
import { planSpec, prepareNamespace, runFor as planRunFor, writeEveryOutput, type Shape } from './plan.ts';
import { startArgo } from './peers-argo.ts';
import { deleteNamespace, inParallel, kubeConfig, measureRun } from './peers-measure.ts';
import { dagWorkflow, singlePodWorkflow, type DagTask, type PodShape, type RunFigures } from './peers-report.ts';

// The workflow scenarios, each run by Argo and by Tessera in fresh namespaces with a fresh engine:
// N one-pod tasks submitted at once (Argo: N Workflows; Tessera: N Jobs, as the jobs bench), and one
// DAG of N tasks (Argo: one Workflow; Tessera: one ComputePlan, as the plan bench, its mover
// simulator playing the kubelet for the file-set containers). Engines get the client QPS the
// Tessera benches give the operator.

const createConcurrency = 32;
const timeoutMs = 3_600_000;

function pod(runFor: string): PodShape {
  return { image: 'local/sim:1', runFor, cpu: '10m', memory: '16Mi' };
}

const independentTasks = (count: number): DagTask[] => Array.from({ length: count }, (_, i) => ({ name: `bench-${i}` }));

/** N one-pod Argo Workflows, named as the Tessera Jobs of the other side. */
export async function argoIndependent(argoDir: string, count: number, stamp: string): Promise<RunFigures> {
  const namespace = `peers-argo-jobs-${stamp}`;
  const argo = await startArgo(argoDir, namespace, { qps: 200, burst: 400 });
  const kc = kubeConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    return await measureRun(kc, {
      namespace,
      controllerPid: argo.process.pid!,
      objectsPath: `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`,
      objects: count,
      tasks: independentTasks(count),
      timeoutMs,
      submit: (s) =>
        inParallel(count, createConcurrency, async (i) => {
          await custom.createNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', namespace, body: singlePodWorkflow(`bench-${i}`, pod(jobRunFor)) });
          s.submitted.set(`bench-${i}`, performance.now());
        }),
    });
  } finally {
    await argo.stop();
    deleteNamespace(namespace);
  }
}

/** Stops the operator once its namespace is gone (its finalizers need it running). */
async function cleanUp(operator: RunningOperator, namespace: string): Promise<void> {
  try {
    deleteNamespace(namespace);
  } finally {
    await operator.stop();
  }
}

/** N Tessera Jobs, as the jobs bench makes them, with the operator tuned as there. */
export async function tesseraIndependent(count: number, stamp: string): Promise<RunFigures> {
  const namespace = `peers-tessera-jobs-${stamp}`;
  const kc = kubeConfig();
  await freshNamespace(kc.makeApiClient(k8s.CoreV1Api), namespace);
  const operator = await startOperator(`peers-${namespace}`, ['--no-leader-elect', '--workers', '16', '--qps', '200', '--burst', '400']);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    return await measureRun(kc, {
      namespace,
      controllerPid: operator.process.pid!,
      objectsPath: `/apis/tessera.dev/v1alpha1/namespaces/${namespace}/jobs`,
      objects: count,
      tasks: independentTasks(count),
      timeoutMs,
      submit: (s) =>
        inParallel(count, createConcurrency, async (i) => {
          await custom.createNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural: 'jobs', namespace, body: tesseraJob(namespace, i) });
          s.submitted.set(`bench-${i}`, performance.now());
        }),
    });
  } finally {
    await cleanUp(operator, namespace);
  }
}

const roots = (tasks: readonly DagTask[]): string[] => tasks.filter((t) => !t.parent).map((t) => t.name);

/** One Argo Workflow running the shape as a DAG. */
export async function argoDag(argoDir: string, shape: Shape, stamp: string): Promise<RunFigures> {
  const namespace = `peers-argo-${shape.name}-${stamp}`;
  const argo = await startArgo(argoDir, namespace, { qps: 400, burst: 800 });
  const kc = kubeConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    return await measureRun(kc, {
      namespace,
      controllerPid: argo.process.pid!,
      objectsPath: `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`,
      objects: 1,
      tasks: shape.tasks,
      timeoutMs,
      submit: async (s) => {
        await custom.createNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', namespace, body: dagWorkflow('bench', shape.tasks, pod(planRunFor)) });
        for (const root of roots(shape.tasks)) s.submitted.set(root, performance.now());
      },
    });
  } finally {
    await argo.stop();
    deleteNamespace(namespace);
  }
}

/** One ComputePlan of the shape, as the plan bench runs it (operator tuning and mover simulator included). */
export async function tesseraDag(shape: Shape, stamp: string): Promise<RunFigures> {
  const namespace = await prepareNamespace({ ...shape, name: `peers-${shape.name}` }, stamp);
  const operator = await startOperator(`peers-${namespace}`, ['--no-leader-elect', '--workers', '16', '--qps', '400', '--burst', '800']);
  const sim = startMoverSim({ namespaces: [namespace], transferUrl: operator.transferUrl, write: writeEveryOutput, concurrency: 48 });
  const kc = kubeConfig();
  try {
    return await measureRun(kc, {
      namespace,
      controllerPid: operator.process.pid!,
      objectsPath: `/apis/tessera.dev/v1alpha1/namespaces/${namespace}/computeplans`,
      objects: 1,
      tasks: shape.tasks,
      timeoutMs,
      submit: async (s) => {
        const plan = { apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'bench', annotations: { 'sim.tessera.dev/run-for': planRunFor } }, spec: planSpec(shape) };
        await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural: 'computeplans', namespace, body: plan });
        for (const root of roots(shape.tasks)) s.submitted.set(root, performance.now());
      },
    });
  } finally {
    await sim.stop();
    await cleanUp(operator, namespace);
  }
}
