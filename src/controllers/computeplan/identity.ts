import type { Algo } from '../../api/algo.ts';
import type { ComputePlan, Task } from '../../api/computeplan.ts';
import type { TesseraJob, TesseraJobSpec } from '../../api/job.ts';
import { desiredTaskJob } from './desired.ts';
import { planLabels, taskJobName } from './names.ts';
import type { BoundInput } from './readiness.ts';
import { taskNamespace } from './readiness.ts';
import { isDeleting, jobState, stands } from './task-jobs.ts';

// Which Jobs are a plan's own. Labels only say which plan a Job claims to belong to, and anyone who
// may create a Job in some namespace can write them: a trainer organization that read the plan's uid
// off its own task Job could label a Job as the aggregate task, and every consumer would read its
// output. So a Job stands for a task only when it is where the plan puts that task's Job, under a
// name the plan gave it (one of its retry tokens), with the very spec the plan creates for it now.
// Status cannot be forged the same way: it is a subresource tenants are not granted.

/** A Job carrying the plan's labels that the plan does not stand a task on, and why. */
export interface IgnoredJob {
  job: Readonly<TesseraJob>;
  why: string;
}

/** A task whose Job name (under the current retry token) is held by a Job the plan did not create. */
export interface TakenName {
  job: Readonly<TesseraJob>;
  message: string;
}

/** The plan's Jobs sorted out by identity. */
export interface PlanJobs {
  /** Every Job that is the plan's by identity, in any state, being deleted or not. */
  own: Array<Readonly<TesseraJob>>;
  /** The Job that stands for each task: a succeeded one, else a live one, else a failed one. */
  standing: Map<string, Readonly<TesseraJob>>;
  ignored: IgnoredJob[];
  /** By task name. */
  taken: Map<string, TakenName>;
}

/** What identification reads: the plan, its valid tasks in dependency order, and its Algos. */
export interface IdentityContext {
  plan: Readonly<ComputePlan>;
  tasks: ReadonlyArray<Readonly<Task>>;
  /** Every task after its parents (orderDag). */
  order: readonly number[];
  algo: (name: string) => Readonly<Algo> | undefined;
  /** Every retry token the plan named Jobs with ('' first); the last is the one new Jobs get. */
  tokens: readonly string[];
}

/**
 * The spec as the plan compares it: `cancel` is the plan's (or a user's) to set on a running Job and
 * `retries` is defaulted to 0 by the CRD, so a Job created without it reads back with it.
 */
function comparable(spec: Readonly<TesseraJobSpec>): Record<string, unknown> {
  const { cancel: _cancel, ...rest } = spec;
  return { ...rest, retries: rest.retries ?? 0 };
}

/** The top-level spec fields in which `actual` differs from `desired`, sorted. */
export function specDifferences(actual: Readonly<TesseraJobSpec>, desired: Readonly<TesseraJobSpec>): string[] {
  const [a, d] = [comparable(actual), comparable(desired)];
  const fields = new Set([...Object.keys(a), ...Object.keys(d)]);
  return [...fields].filter((f) => canonicalJson(a[f]) !== canonicalJson(d[f])).sort();
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))) : v,
  ) ?? 'undefined';
}

/** The output of a parent as its standing Job wrote it; undefined until it has. */
function boundOutput(name: string, ref: NonNullable<Task['inputs'][number]['taskOutput']>, standing: ReadonlyMap<string, Readonly<TesseraJob>>): BoundInput | undefined {
  const job = standing.get(ref.task);
  if (!job || jobState(job) !== 'succeeded') return undefined;
  const output = job.status?.outputs?.find((o) => o.name === ref.output);
  return output ? { name, digest: output.digest, namespace: job.metadata.namespace ?? '' } : undefined;
}

/**
 * The spec the plan creates for `task` under `token` now, or undefined when it cannot say (its Algo
 * is gone, or a parent has no output to bind): such a Job is neither the plan's nor an impostor yet.
 */
function desiredSpec(task: Readonly<Task>, token: string, ctx: IdentityContext, standing: ReadonlyMap<string, Readonly<TesseraJob>>): TesseraJobSpec | undefined {
  const algo = ctx.algo(task.algoRef.name);
  if (!algo) return undefined;
  const inputs: BoundInput[] = [];
  for (const input of task.inputs) {
    const bound = input.taskOutput ? boundOutput(input.name, input.taskOutput, standing) : { name: input.name, dataset: input.datasetRef!.name };
    if (!bound) return undefined;
    inputs.push(bound);
  }
  return desiredTaskJob({ plan: ctx.plan, task, algo, inputs, retryToken: token }).job.spec;
}

/** `takesName`: the Job holds the name the plan gives the task's Job now. */
type Verdict = { kind: 'own' } | { kind: 'unknown' } | { kind: 'ignored'; why: string; takesName?: boolean };

function judge(job: Readonly<TesseraJob>, task: Readonly<Task>, ctx: IdentityContext, standing: ReadonlyMap<string, Readonly<TesseraJob>>): Verdict {
  const { plan } = ctx;
  const namespace = taskNamespace(task, plan.metadata.namespace ?? '');
  if (job.metadata.namespace !== namespace) return { kind: 'ignored', why: `task ${task.name} runs in namespace ${namespace}, not ${job.metadata.namespace}` };
  const token = ctx.tokens.find((t) => taskJobName(plan.metadata.name, task.name, plan.metadata.uid ?? '', t) === job.metadata.name);
  if (token === undefined) return { kind: 'ignored', why: `the plan never named a Job of task ${task.name} ${job.metadata.name}` };
  const desired = desiredSpec(task, token, ctx, standing);
  if (!desired) return { kind: 'unknown' };
  const differences = specDifferences(job.spec, desired);
  if (differences.length === 0) return { kind: 'own' };
  return { kind: 'ignored', takesName: token === ctx.tokens.at(-1), why: `it holds the name of task ${task.name}'s Job with a spec the plan would not create (${differences.join(', ')} differ)` };
}

const refOf = (job: Readonly<TesseraJob>): string => `${job.metadata.namespace}/${job.metadata.name}`;

function takenName(job: Readonly<TesseraJob>, why: string): TakenName {
  return { job, message: `Job ${refOf(job)} was not created by this plan: ${why}; delete it, or retry the plan (a retry names new Jobs)` };
}

/** The Jobs labelled with the plan's uid, by the task their label names. */
function byTaskLabel(jobs: ReadonlyArray<Readonly<TesseraJob>>, uid: string): Map<string, Array<Readonly<TesseraJob>>> {
  const byTask = new Map<string, Array<Readonly<TesseraJob>>>();
  for (const job of jobs) {
    if (job.metadata.labels?.[planLabels.planUid] !== uid) continue;
    const task = job.metadata.labels[planLabels.task] ?? '';
    byTask.set(task, [...(byTask.get(task) ?? []), job]);
  }
  return byTask;
}

/** Files one Job of `task` under the verdict on it. */
function sortJob(result: PlanJobs, task: Readonly<Task>, job: Readonly<TesseraJob>, verdict: Verdict): void {
  if (verdict.kind === 'own') {
    result.own.push(job);
    if (!isDeleting(job) && stands(job, result.standing.get(task.name))) result.standing.set(task.name, job);
    return;
  }
  if (verdict.kind === 'unknown') return;
  result.ignored.push({ job, why: verdict.why });
  if (verdict.takesName === true && !isDeleting(job)) result.taken.set(task.name, takenName(job, verdict.why));
}

/**
 * Sorts the Jobs labelled with the plan's uid into its own and the ignored, task by task in
 * dependency order (a child's spec binds its parents' outputs, so the parents' Jobs come first).
 * A Job that holds the name the plan would create now, with another spec, takes that name: the task
 * cannot run unless it goes, and says so. Labels naming no task of the plan are ignored too.
 */
export function identifyJobs(jobs: ReadonlyArray<Readonly<TesseraJob>>, ctx: IdentityContext): PlanJobs {
  const byTask = byTaskLabel(jobs, ctx.plan.metadata.uid ?? '');
  const result: PlanJobs = { own: [], standing: new Map(), ignored: [], taken: new Map() };
  for (const i of ctx.order) {
    const task = ctx.tasks[i]!;
    for (const job of byTask.get(task.name) ?? []) sortJob(result, task, job, judge(job, task, ctx, result.standing));
    byTask.delete(task.name);
    // The plan's own Job stands (under an older token, say): the task needs no new one.
    if (result.standing.has(task.name)) result.taken.delete(task.name);
  }
  for (const [task, strays] of byTask) for (const job of strays) result.ignored.push({ job, why: `the plan has no task ${task}` });
  return result;
}

/**
 * The retry tokens a plan named Jobs with, from its status, with `current` (the one new Jobs get)
 * last: '' before any retry, every token status.retryTokens kept, and the applied one.
 */
export function retryTokensOf(plan: Readonly<ComputePlan>, current: string): string[] {
  const used = ['', ...(plan.status?.retryTokens ?? []), plan.status?.appliedRetry ?? ''];
  return [...new Set(used.filter((t) => t !== current)), current];
}

/** status.retryTokens for `tokens` (retryTokensOf): '' left out, the newest kept when there are too many. */
export function recordedTokens(tokens: readonly string[], max: number): string[] {
  return tokens.filter((t) => t !== '').slice(-max);
}

/**
 * Whether `job` sits where the plan puts a task's Job, under a name it gave it: what a deleted plan
 * cleans up, when its Algos may be gone and specs can no longer be compared. Others' Jobs stay.
 */
export function namedByPlan(plan: Readonly<ComputePlan>, taskNamed: (name: string) => Readonly<Task> | undefined, job: Readonly<TesseraJob>): boolean {
  const task = taskNamed(job.metadata.labels?.[planLabels.task] ?? '');
  if (!task || job.metadata.namespace !== taskNamespace(task, plan.metadata.namespace ?? '')) return false;
  const tokens = retryTokensOf(plan, plan.status?.appliedRetry ?? '');
  return tokens.some((t) => taskJobName(plan.metadata.name, task.name, plan.metadata.uid ?? '', t) === job.metadata.name);
}
