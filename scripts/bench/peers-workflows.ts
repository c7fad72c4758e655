import * as k8s from '@kubernetes/client-node';
import { startMoverSim } from '../../test/support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../../test/support/operator.ts';
import { freshNamespace, runFor as jobRunFor, tesseraJob } from './jobs.ts';
import { planSpec, prepareNamespace, runFor as planRunFor, writeEveryOutput, type Shape } from './plan.ts';
import { startArgo } from './peers-argo.ts';
import { deleteNamespace, inParallel, kubeConfig, measureRun } from './peers-measure.ts';
import { dagWorkflow, singlePodWorkflow, type DagTask, type PodShape, type RunFigures } from './peers-report.ts';
import { benchCli } from './shipped-cli.ts';

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
const roots = (tasks: readonly DagTask[]): string[] => tasks.filter((t) => !t.parent).map((t) => t.name);

/** Where a run happens: its namespace, the engine's process, and the engine's kind of object (Argo's Workflows, Tessera's Jobs or ComputePlans). */
interface Engine {
  namespace: string;
  pid: number;
  group: string;
  plural: string;
}

const workflows = { group: 'argoproj.io', plural: 'workflows' };
const objectsPath = (e: Engine): string => `/apis/${e.group}/v1alpha1/namespaces/${e.namespace}/${e.plural}`;

/** Measures `count` of the engine's objects created 32 at a time, each one task named bench-<i>. */
function runIndependent(e: Engine, count: number, body: (i: number) => object): Promise<RunFigures> {
  const kc = kubeConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  return measureRun(kc, {
    namespace: e.namespace,
    controllerPid: e.pid,
    objectsPath: objectsPath(e),
    objects: count,
    tasks: independentTasks(count),
    timeoutMs,
    submit: (s) =>
      inParallel(count, createConcurrency, async (i) => {
        await custom.createNamespacedCustomObject({ group: e.group, version: 'v1alpha1', plural: e.plural, namespace: e.namespace, body: body(i) });
        s.submitted.set(`bench-${i}`, performance.now());
      }),
  });
}

/** Measures one of the engine's objects running the shape's tasks. */
function runDag(e: Engine, shape: Shape, body: object): Promise<RunFigures> {
  const kc = kubeConfig();
  return measureRun(kc, {
    namespace: e.namespace,
    controllerPid: e.pid,
    objectsPath: objectsPath(e),
    objects: 1,
    tasks: shape.tasks,
    timeoutMs,
    submit: async (s) => {
      await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({ group: e.group, version: 'v1alpha1', plural: e.plural, namespace: e.namespace, body });
      for (const root of roots(shape.tasks)) s.submitted.set(root, performance.now());
    },
  });
}

/** N one-pod Argo Workflows, named as the Tessera Jobs of the other side. */
export async function argoIndependent(argoDir: string, count: number, stamp: string): Promise<RunFigures> {
  const namespace = `peers-argo-jobs-${stamp}`;
  const argo = await startArgo(argoDir, namespace, { qps: 200, burst: 400 });
  try {
    return await runIndependent({ namespace, pid: argo.process.pid!, ...workflows }, count, (i) => singlePodWorkflow(`bench-${i}`, pod(jobRunFor)));
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
  await freshNamespace(kubeConfig().makeApiClient(k8s.CoreV1Api), namespace);
  const operator = await startOperator(`peers-${namespace}`, ['--no-leader-elect', '--workers', '16', '--qps', '200', '--burst', '400'], { cli: benchCli().path });
  try {
    return await runIndependent({ namespace, pid: operator.process.pid!, group: 'tessera.dev', plural: 'jobs' }, count, (i) => tesseraJob(namespace, i));
  } finally {
    await cleanUp(operator, namespace);
  }
}

/** One Argo Workflow running the shape as a DAG. */
export async function argoDag(argoDir: string, shape: Shape, stamp: string): Promise<RunFigures> {
  const namespace = `peers-argo-${shape.name}-${stamp}`;
  const argo = await startArgo(argoDir, namespace, { qps: 400, burst: 800 });
  try {
    return await runDag({ namespace, pid: argo.process.pid!, ...workflows }, shape, dagWorkflow('bench', shape.tasks, pod(planRunFor)));
  } finally {
    await argo.stop();
    deleteNamespace(namespace);
  }
}

/** One ComputePlan of the shape, as the plan bench runs it (operator tuning and mover simulator included). */
export async function tesseraDag(shape: Shape, stamp: string): Promise<RunFigures> {
  const namespace = await prepareNamespace({ ...shape, name: `peers-${shape.name}` }, stamp);
  const operator = await startOperator(`peers-${namespace}`, ['--no-leader-elect', '--workers', '16', '--qps', '400', '--burst', '800'], { cli: benchCli().path });
  const sim = startMoverSim({ namespaces: [namespace], transferUrl: operator.transferUrl, write: writeEveryOutput, concurrency: 48 });
  const plan = { apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'bench', annotations: { 'sim.tessera.dev/run-for': planRunFor } }, spec: planSpec(shape) };
  try {
    return await runDag({ namespace, pid: operator.process.pid!, group: 'tessera.dev', plural: 'computeplans' }, shape, plan);
  } finally {
    await sim.stop();
    await cleanUp(operator, namespace);
  }
}
