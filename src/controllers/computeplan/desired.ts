import type * as k8s from '@kubernetes/client-node';
import type { Algo } from '../../api/algo.ts';
import { groupVersion } from '../../api/common.ts';
import type { ComputePlan, Task } from '../../api/computeplan.ts';
import { logsOutputName, type JobInput, type TesseraJob, type TesseraJobSpec } from '../../api/job.ts';
import { algoRun } from '../shared/algo-run.ts';
import { categoryLabel, isTrainingRun } from '../shared/data-permissions.ts';
import { strategyRole } from './expand.ts';
import { roundGroup, roundGroupMetadata } from './round-admission.ts';
import { managedByValue, planFinalizer, planLabels, taskComponent, taskJobName } from './names.ts';
import { paramsEnv } from './params-env.ts';
import type { BoundInput } from './readiness.ts';
import { taskNamespace } from './readiness.ts';

// The Tessera Job of one task. The Algo is inlined (image, command, code, outputs) rather than
// referenced: the Algo lives in the plan's namespace and the Job may run in another, where no Algo
// of that name exists, or a different one does. Its category travels as a label, so the Job
// controller keeps it off test-only data too.

/**
 * A file set the plan lends to the namespace a task runs in, and the namespace it lends it from,
 * which must hold it: the plan's namespace its Ready Algo's code, a parent's namespace its output.
 * The reconciler checks the holding before it lends (storage/access.ts).
 */
export interface OutputGrant {
  namespace: string;
  digest: string;
  from: string;
}

/** A Job to create, and the reads of other namespaces' outputs to grant before creating it. */
export interface DesiredTaskJob {
  job: TesseraJob;
  grants: OutputGrant[];
}

/** Everything one task's Job is made of. */
export interface TaskJobSource {
  plan: Readonly<ComputePlan>;
  task: Readonly<Task>;
  algo: Readonly<Algo>;
  inputs: readonly BoundInput[];
  /** status.appliedRetry, or '' before any retry. */
  retryToken: string;
}

/**
 * The category a task's Job declares: a training one if its Algo's or its strategy role is one (a
 * fedAvg train task trains, whatever its Algo claims), else its role, else its Algo's.
 */
export function taskCategory(role: string | undefined, algoCategory: string): string {
  if (isTrainingRun([algoCategory])) return algoCategory;
  if (role !== undefined && isTrainingRun([role])) return role;
  return role ?? algoCategory;
}

/** The labels every Job of the plan carries, so the plan finds its Jobs in every namespace. */
export function taskJobLabels(plan: Readonly<ComputePlan>, task: Readonly<Task>): Record<string, string> {
  const labels: Record<string, string> = {
    [planLabels.managedBy]: managedByValue,
    [planLabels.component]: taskComponent,
    [planLabels.plan]: plan.metadata.name,
    [planLabels.planNamespace]: plan.metadata.namespace ?? '',
    [planLabels.planUid]: plan.metadata.uid ?? '',
    [planLabels.task]: task.name,
  };
  if (task.round !== undefined) labels[planLabels.round] = String(task.round);
  return labels;
}

function ownerReference(plan: Readonly<ComputePlan>): k8s.V1OwnerReference {
  return {
    apiVersion: plan.apiVersion,
    kind: plan.kind,
    name: plan.metadata.name,
    uid: plan.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function jobInput(input: BoundInput): JobInput {
  return 'dataset' in input ? { name: input.name, dataset: { name: input.dataset } } : { name: input.name, fileSet: { digest: input.digest } };
}

/** Reads of outputs written in another namespace than the one the Job runs in, each digest once. */
function grantsFor(inputs: readonly BoundInput[], namespace: string): OutputGrant[] {
  const from = new Map<string, string>();
  for (const input of inputs) if ('digest' in input && input.namespace !== namespace && !from.has(input.digest)) from.set(input.digest, input.namespace);
  return [...from].map(([digest, source]) => ({ namespace, digest, from: source }));
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function jobSpec(source: TaskJobSource): TesseraJobSpec {
  const { task, algo, inputs } = source;
  // The one Algo → run rule Jobs follow too: the task's resources over the Algo's, field by field.
  const run = algoRun(algo, { resources: task.resources });
  // Every run writes its log as the output "logs"; a Job may not declare it again.
  const outputs = run.outputs.filter((name) => name !== logsOutputName).map((name) => ({ name }));
  return withoutUndefined({
    image: run.image,
    command: run.command,
    args: run.args,
    env: paramsEnv(task.params),
    code: run.code,
    resources: run.resources,
    retries: task.retries,
    timeoutSeconds: task.timeoutSeconds,
    inputs: inputs.length > 0 ? inputs.map(jobInput) : undefined,
    outputs: outputs.length ? outputs : undefined,
    queueName: source.plan.spec.queueName,
    priorityClassName: source.plan.spec.priorityClassName,
  });
}

/** Simulated nodes (kwok) read these annotations on a pod; a plan passes them on to its Jobs. */
const simulationPrefix = 'sim.tessera.dev/';

/**
 * The plan's simulation annotations for one task's Job: `sim.tessera.dev/run-for` and the like go
 * to every task, and `sim.tessera.dev/<key>.<task>` to that task only, as `sim.tessera.dev/<key>`
 * (e.g. `sim.tessera.dev/exit-code.train-2: "1"` makes task train-2 fail on kwok).
 */
export function simulationAnnotations(plan: Readonly<ComputePlan>, task: string): Record<string, string> | undefined {
  const entries = Object.entries(plan.metadata.annotations ?? {}).filter(([key]) => key.startsWith(simulationPrefix));
  const shared = entries.filter(([key]) => !key.slice(simulationPrefix.length).includes('.'));
  const own = entries.flatMap(([key, value]) => (key.endsWith(`.${task}`) ? [[key.slice(0, -task.length - 1), value] as const] : []));
  const all = [...shared, ...own];
  return all.length ? Object.fromEntries(all) : undefined;
}

/**
 * The Job that runs `task`, named deterministically, in the task's namespace. In the plan's namespace
 * it is owned by the plan (garbage-collected with it); elsewhere no ownerReference can reach, so it
 * carries the plan's finalizer and the plan deletes it when it goes.
 */
export function desiredTaskJob(source: TaskJobSource): DesiredTaskJob {
  const { plan, task, inputs, retryToken } = source;
  const planNamespace = plan.metadata.namespace ?? '';
  const namespace = taskNamespace(task, planNamespace);
  const sameNamespace = namespace === planNamespace;
  const group = roundGroupMetadata(roundGroup(plan, task, retryToken));
  const simulation = simulationAnnotations(plan, task.name);
  const job: TesseraJob = {
    apiVersion: groupVersion,
    kind: 'Job',
    metadata: withoutUndefined({
      name: taskJobName(plan.metadata.name, task.name, plan.metadata.uid ?? '', retryToken),
      namespace,
      labels: { ...taskJobLabels(plan, task), [categoryLabel]: taskCategory(strategyRole(plan.spec, task.name), source.algo.spec.category), ...group?.labels },
      annotations: group ? { ...simulation, ...group.annotations } : simulation,
      ownerReferences: sameNamespace ? [ownerReference(plan)] : undefined,
      finalizers: sameNamespace ? undefined : [planFinalizer],
    }),
    spec: jobSpec(source),
  };
  // The Algo's code is held by the plan's namespace (the Algo is Ready): a task elsewhere borrows it.
  const code = job.spec.code?.digest;
  const codeGrant = code && !sameNamespace ? [{ namespace, digest: code, from: planNamespace }] : [];
  return { job, grants: [...grantsFor(inputs, namespace), ...codeGrant] };
}
