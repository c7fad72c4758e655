import type { Algo } from '../../api/algo.ts';
import { ComputePlanReason, type Task } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import { logsOutputName, type TesseraJob } from '../../api/job.ts';
import { isConditionTrue } from '../shared/conditions.ts';
import type { RunCode } from '../shared/run-digest.ts';
import { pendingConsents, taskRefusal, type TaskTenancy } from './authorization.ts';
import { outputsReleasedAnnotation } from './names.ts';
import { jobState } from './task-jobs.ts';

// "Can this task's Job be created now?" as a chain of checks, each a verdict or a pass (after
// cert-manager's readiness policies): what it names must exist (its Algo Ready: its code held by
// the plan's namespace), the data must authorize the plan and approve its code, test-only data must
// not be trained on, the outputs it reads must be declared, and the parents must have produced them.

/** An input of a task, resolved to what its Job reads. */
export type BoundInput =
  | { name: string; dataset: string }
  | { name: string; digest: string; /** Where the Job that wrote it runs. */ namespace: string };

/** Whether a task can run: ready with its inputs, waiting (on things named in `missing`), or failed. */
export type Readiness =
  | { kind: 'ready'; algo: Readonly<Algo>; inputs: BoundInput[] }
  | { kind: 'waiting'; missing: string[] }
  | { kind: 'failed'; reason: typeof ComputePlanReason.Unauthorized | typeof ComputePlanReason.InvalidSpec; message: string };

/** What readiness looks things up in: the cluster as observed, and the plan's own tasks and Jobs. */
export interface ReadinessContext {
  planNamespace: string;
  /** An Algo of the plan's namespace. */
  algo: (name: string) => Readonly<Algo> | undefined;
  dataset: (namespace: string, name: string) => Readonly<Dataset> | undefined;
  /** A namespace's current uid, undefined when the operator's cache does not know it. */
  namespaceUid: (name: string) => string | undefined;
  /** A task of the plan. */
  task: (name: string) => Readonly<Task> | undefined;
  /** The Job that stands for a task of the plan. */
  job: (task: string) => Readonly<TesseraJob> | undefined;
  /** What a task does in the plan's strategy (strategyRole), whatever its Algo declares. */
  role?: (task: string) => string | undefined;
  /** The namespace an output of the plan must stay in (a personalized strategy's heads), if it must. */
  localOutput?: (task: string, output: string) => string | undefined;
}

const waiting = (missing: string[] = []): Readiness => ({ kind: 'waiting', missing });

/** Where a task runs: its own namespace, else the plan's. */
export function taskNamespace(task: Pick<Task, 'namespace'>, planNamespace: string): string {
  return task.namespace ?? planNamespace;
}

/**
 * Ready for the generation it has: its code is in the store and held by its namespace (the Algo
 * controller checks). A status from before a spec change says nothing about the new code.
 */
export function isAlgoReady(algo: Readonly<Algo>): boolean {
  return isConditionTrue(algo.status?.conditions, 'Ready') && isCurrent(algo);
}

/** Its status speaks of its current spec. */
function isCurrent(algo: Readonly<Algo>): boolean {
  const generation = algo.metadata.generation;
  return (algo.status?.observedGeneration ?? generation) === generation;
}

/** What a task runs, as a Dataset's owner approves it: exactly what its Job will run. */
export function algoRunCode(algo: Readonly<Algo>): RunCode {
  const { image, command, args, code } = algo.spec;
  return { image, command, args, code: code?.digest };
}

/**
 * An Algo refused for code its namespace does not hold (Ready False, Unauthorized, for its current
 * generation): another organization's file set named as code. Its tasks fail rather than wait.
 */
function unauthorizedAlgo(task: Readonly<Task>, ctx: ReadinessContext): Readiness | undefined {
  const algo = ctx.algo(task.algoRef.name);
  if (!algo || !isCurrent(algo)) return undefined;
  const ready = algo.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'False' || ready.reason !== ComputePlanReason.Unauthorized) return undefined;
  return { kind: 'failed', reason: ComputePlanReason.Unauthorized, message: `task ${task.name}: algo ${ctx.planNamespace}/${algo.metadata.name} may not run: ${ready.message}` };
}

/** An input that would carry an output out of the namespace it must stay in: the task may never run. */
function leakedLocalOutput(task: Readonly<Task>, ctx: ReadinessContext): Readiness | undefined {
  const namespace = taskNamespace(task, ctx.planNamespace);
  for (const { taskOutput } of task.inputs) {
    const home = taskOutput && ctx.localOutput?.(taskOutput.task, taskOutput.output);
    if (home === undefined || home === namespace) continue;
    const message = `task ${task.name} in namespace ${namespace} reads output ${taskOutput!.output} of task ${taskOutput!.task}, a local head that never leaves namespace ${home}`;
    return { kind: 'failed', reason: ComputePlanReason.Unauthorized, message };
  }
  return undefined;
}

function missingDependencies(task: Readonly<Task>, unknownParents: readonly string[], ctx: ReadinessContext): string[] {
  const namespace = taskNamespace(task, ctx.planNamespace);
  const missing = unknownParents.map((name) => `task ${name}`);
  const algo = ctx.algo(task.algoRef.name);
  // Only a Ready Algo's code is held by the plan's namespace: nothing else is run or lent.
  if (!algo || !isAlgoReady(algo)) missing.push(`${algo ? 'a Ready ' : ''}algo ${ctx.planNamespace}/${task.algoRef.name}`);
  for (const { datasetRef } of task.inputs) {
    if (datasetRef && !ctx.dataset(namespace, datasetRef.name)) missing.push(`dataset ${namespace}/${datasetRef.name}`);
  }
  return missing;
}

function datasetsRead(task: Readonly<Task>, ctx: ReadinessContext): Array<Readonly<Dataset>> {
  const namespace = taskNamespace(task, ctx.planNamespace);
  return task.inputs.flatMap((i) => (i.datasetRef ? [ctx.dataset(namespace, i.datasetRef.name)!] : []));
}

/**
 * An output the task reads that its parent's Algo does not declare: it would wait forever. Every
 * run writes its container's log as an output, declared or not.
 */
function undeclaredOutput(task: Readonly<Task>, ctx: ReadinessContext): string | undefined {
  for (const { taskOutput } of task.inputs) {
    if (taskOutput?.output === logsOutputName) continue;
    const parent = taskOutput && ctx.task(taskOutput.task);
    // A parent whose Algo is missing reports that itself; this check waits until it is found.
    const algo = parent && ctx.algo(parent.algoRef.name);
    if (!algo || algo.spec.outputs?.some((o) => o.name === taskOutput.output)) continue;
    return `task ${task.name} reads output ${taskOutput.output} of task ${taskOutput.task}, which algo ${algo.metadata.name} does not declare`;
  }
  return undefined;
}

function isReady(dataset: Readonly<Dataset>): boolean {
  return dataset.status?.digest !== undefined && dataset.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function bindOutput(name: string, ref: NonNullable<Task['inputs'][number]['taskOutput']>, ctx: ReadinessContext): BoundInput | Readiness {
  const job = ctx.job(ref.task);
  if (!job || jobState(job) !== 'succeeded') return waiting();
  if (job.metadata.annotations?.[outputsReleasedAnnotation] === 'true') return waiting([`output ${ref.output} of task ${ref.task} (released)`]);
  const output = job.status?.outputs?.find((o) => o.name === ref.output);
  if (!output) return waiting([`output ${ref.output} of task ${ref.task}`]);
  return { name, digest: output.digest, namespace: job.metadata.namespace ?? ctx.planNamespace };
}

function bindInput(input: Task['inputs'][number], namespace: string, ctx: ReadinessContext): BoundInput | Readiness {
  if (input.taskOutput) return bindOutput(input.name, input.taskOutput, ctx);
  const dataset = ctx.dataset(namespace, input.datasetRef!.name)!;
  return isReady(dataset) ? { name: input.name, dataset: dataset.metadata.name } : waiting();
}

function bindInputs(task: Readonly<Task>, ctx: ReadinessContext): Readiness {
  const namespace = taskNamespace(task, ctx.planNamespace);
  const inputs: BoundInput[] = [];
  for (const input of task.inputs) {
    const bound = bindInput(input, namespace, ctx);
    if ('kind' in bound) return bound;
    inputs.push(bound);
  }
  return { kind: 'ready', algo: ctx.algo(task.algoRef.name)!, inputs };
}

/**
 * Whether `task`'s Job can be created: failed when its Algo names code its namespace does not hold
 * or it reads a local head outside the namespace that wrote it (Unauthorized); waiting while a task, Dataset or Ready Algo it names is missing (listed, so the
 * plan can say so); failed when its data does not authorize the plan or approve its code
 * (Unauthorized), when it may train on test-only data or reads an output its
 * parent's Algo does not declare (InvalidSpec), waiting while a parent has
 * not succeeded or a Dataset is not Ready, else ready with every input bound to what the Job reads.
 */
export function taskReadiness(task: Readonly<Task>, unknownParents: readonly string[], ctx: ReadinessContext): Readiness {
  const refusedAlgo = unauthorizedAlgo(task, ctx) ?? leakedLocalOutput(task, ctx);
  if (refusedAlgo) return refusedAlgo;
  const missing = missingDependencies(task, unknownParents, ctx);
  if (missing.length > 0) return waiting(missing);
  const namespace = taskNamespace(task, ctx.planNamespace);
  const algo = ctx.algo(task.algoRef.name)!;
  const categories = [ctx.role?.(task.name), algo.spec.category];
  const tenancy: TaskTenancy = { task: task.name, namespace, planNamespace: ctx.planNamespace, planNamespaceUid: ctx.namespaceUid(ctx.planNamespace), datasets: datasetsRead(task, ctx), code: algoRunCode(algo), categories };
  const refusal = taskRefusal(tenancy);
  if (refusal) return { kind: 'failed', ...refusal };
  const pending = pendingConsents(tenancy);
  if (pending.length > 0) return waiting(pending);
  const undeclared = undeclaredOutput(task, ctx);
  if (undeclared) return { kind: 'failed', reason: ComputePlanReason.InvalidSpec, message: undeclared };
  return bindInputs(task, ctx);
}
