import type { Algo } from '../../api/algo.ts';
import { ComputePlanReason, maxIgnoredJobs, maxRetryTokens, type ComputePlan, type ComputePlanStatus, type Task } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import { classifyTasks, withStop, type TaskRefusal, type TaskView } from './classify.ts';
import { desiredTaskJob, type DesiredTaskJob } from './desired.ts';
import { localOutputs, strategyRole } from './expand.ts';
import type { StopCause } from './failure-policy.ts';
import { identifyJobs, recordedTokens, retryTokensOf, type IgnoredJob, type PlanJobs } from './identity.ts';
import { cycleText } from './messages.ts';
import type { ReadinessContext } from './readiness.ts';
import { outputsToRelease } from './release.ts';
import { retryStep, type RetryStep } from './retry.ts';
import { planStatus, type PlanSituation } from './status.ts';
import { summarizeTasks } from './summary.ts';
import { isActive, isDeleting, jobsByTask, jobState } from './task-jobs.ts';
import { planGraph, taskLookup } from './plan-graph.ts';
import { searchStep, type SearchStep } from './search/search-step.ts';

// The ComputePlan controller's one decision: from a plan and what was observed around it, which Jobs
// to create, cancel, delete and release, and the plan's status. Pure and O(tasks + edges), so the
// reconciler can call it on every change of any of the plan's Jobs.

/** What the reconciler observed: the plan, its Jobs, and lookups into its informers' caches. */
export interface PlanObservation {
  plan: Readonly<ComputePlan>;
  /** Jobs labelled with the plan's uid, in every namespace: identifyJobs decides which are its own. */
  jobs: ReadonlyArray<Readonly<TesseraJob>>;
  /** An Algo of the plan's namespace, undefined when there is none. */
  algo: (name: string) => Readonly<Algo> | undefined;
  /** A Dataset, undefined when there is none. */
  dataset: (namespace: string, name: string) => Readonly<Dataset> | undefined;
  /** A namespace's current uid, undefined when the operator's cache does not know it. */
  namespaceUid: (name: string) => string | undefined;
  now: Date;
}

/** A Job to act on, by name; the uid makes a delete miss a Job re-created under the same name. */
export interface JobRef {
  namespace: string;
  name: string;
  uid?: string;
}

/** What the reconciler should do, all of it idempotent. */
export interface PlanDecision {
  /** Jobs to create (AlreadyExists is success), after recording their grants. */
  create: DesiredTaskJob[];
  /** Jobs to set spec.cancel on. */
  cancel: JobRef[];
  /** Jobs to delete (a retry clears them), removing the plan's finalizer if they carry it. */
  delete: JobRef[];
  /** Jobs to annotate tessera.dev/outputs-released: "true". */
  release: JobRef[];
  /** Jobs labelled as the plan's that it ignores, and why (status.ignoredJobs lists them). */
  ignored: IgnoredJob[];
  status: ComputePlanStatus;
  /** When the plan must be looked at again whatever happens (a search's maxSeconds), in ms since the epoch. */
  wakeAt?: number;
}

function refOf(job: Readonly<TesseraJob>): JobRef {
  const ref: JobRef = { namespace: job.metadata.namespace ?? '', name: job.metadata.name };
  if (job.metadata.uid) ref.uid = job.metadata.uid;
  return ref;
}

/** A plan that cannot run at all: create nothing, count what its Jobs did, and say why. */
function halted(observed: PlanObservation, tasks: readonly Task[], halt: PlanSituation['halt']): PlanDecision {
  const { plan } = observed;
  const jobs = jobsByTask(observed.jobs, plan.metadata.uid ?? '');
  const views = tasks.map((task): TaskView => {
    const job = jobs.get(task.name);
    return job ? { state: jobState(job), job } : { state: 'pending' };
  });
  const situation: PlanSituation = { summary: summarizeTasks(tasks, views), suspended: false, halt, appliedRetry: plan.status?.appliedRetry };
  return { create: [], cancel: [], delete: [], release: [], ignored: [], status: planStatus(plan, situation, observed.now) };
}

/** Where each local output of the plan must stay, looked up by task and output; nothing for plans without any. */
function localOutputLookup(spec: Readonly<ComputePlan['spec']>): ReadinessContext['localOutput'] {
  if (!spec.strategy?.personalized) return undefined;
  const local = localOutputs(spec);
  return (task, output) => local.get(`${task}/${output}`);
}

function readinessContext(observed: PlanObservation, jobs: ReadonlyMap<string, Readonly<TesseraJob>>): ReadinessContext {
  return {
    planNamespace: observed.plan.metadata.namespace ?? '',
    algo: observed.algo,
    dataset: observed.dataset,
    namespaceUid: observed.namespaceUid,
    task: taskLookup(observed.plan.spec, observed.plan.status?.trials),
    job: (task) => jobs.get(task),
    role: (task) => strategyRole(observed.plan.spec, task),
    localOutput: localOutputLookup(observed.plan.spec),
  };
}

/** A plan's tasks as scheduling sees them, all indexed alike. */
interface Schedulable {
  plan: Readonly<ComputePlan>;
  tasks: readonly Task[];
  views: readonly TaskView[];
  ranks: readonly number[];
  /** The plan's own Jobs: the live ones hold parallelism slots. */
  jobs: ReadonlyArray<Readonly<TesseraJob>>;
}

/** A task to start, by index, and its Job. */
interface Creation {
  i: number;
  desired: DesiredTaskJob;
}

/** The Jobs to create now: ready tasks by rank, then plan order, while parallelism allows. */
function creations(s: Schedulable, retryToken: string): Creation[] {
  const active = s.jobs.filter(isActive).length;
  const slots = Math.max(0, (s.plan.spec.parallelism ?? Infinity) - active);
  const ready = s.views.flatMap((view, i) => (view.state === 'pending' && view.readiness?.kind === 'ready' ? [{ i, readiness: view.readiness }] : []));
  ready.sort((a, b) => s.ranks[a.i]! - s.ranks[b.i]! || a.i - b.i);
  return ready.slice(0, slots).map(({ i, readiness }) => ({
    i,
    desired: desiredTaskJob({ plan: s.plan, task: s.tasks[i]!, algo: readiness.algo, inputs: readiness.inputs, retryToken }),
  }));
}

/** The views once the creations land: the status written with them is then already current. */
function withCreated(views: readonly TaskView[], created: readonly Creation[]): TaskView[] {
  const next = [...views];
  for (const { i } of created) next[i] = { state: 'queued' };
  return next;
}

/** Whether this reconcile may start tasks. */
function mayCreate(plan: Readonly<ComputePlan>, stop: StopCause | undefined, retry: RetryStep): boolean {
  return stop === undefined && !retry.pending && plan.spec.suspend !== true;
}

/** Jobs a stopped plan cancels: every live one not asked already. A retry under way cancels nothing. */
function cancellations(jobs: ReadonlyArray<Readonly<TesseraJob>>, stop: StopCause | undefined, retry: RetryStep): JobRef[] {
  if (stop === undefined || retry.pending) return [];
  return jobs.filter((job) => isActive(job) && job.spec.cancel !== true && !isDeleting(job)).map(refOf);
}

/**
 * Tasks whose Job cannot be created: a Job the plan did not create holds its name (NameTaken), or the
 * API server refused it (status.refusedTasks, until a retry names new Jobs).
 */
function refusalsOf(plan: Readonly<ComputePlan>, identified: PlanJobs, retry: RetryStep): Map<string, TaskRefusal> {
  const refusals = new Map<string, TaskRefusal>();
  const retried = retry.appliedRetry !== plan.status?.appliedRetry;
  for (const { task, message } of retried ? [] : (plan.status?.refusedTasks ?? [])) refusals.set(task, { reason: ComputePlanReason.InvalidSpec, message });
  for (const [task, taken] of identified.taken) refusals.set(task, { reason: ComputePlanReason.NameTaken, message: taken.message });
  return refusals;
}

/** status.ignoredJobs: namespace/name of each ignored Job, sorted, at most maxIgnoredJobs. */
function ignoredRefs(ignored: readonly IgnoredJob[]): string[] {
  return ignored.map(({ job }) => `${job.metadata.namespace}/${job.metadata.name}`).sort().slice(0, maxIgnoredJobs);
}

/** The status records of identity: tokens used, Jobs ignored, tasks refused (cleared by a retry). */
function identitySituation(plan: Readonly<ComputePlan>, identified: PlanJobs, retry: RetryStep): Pick<PlanSituation, 'retryTokens' | 'ignoredJobs' | 'refusedTasks'> {
  return {
    retryTokens: recordedTokens(retryTokensOf(plan, retry.token), maxRetryTokens),
    ignoredJobs: ignoredRefs(identified.ignored),
    refusedTasks: retry.appliedRetry === plan.status?.appliedRetry ? plan.status?.refusedTasks : undefined,
  };
}

/** A search plan's step over its tasks' views (search-step.ts); undefined for other plans. */
function searchPart(observed: PlanObservation, tasks: readonly Task[], views: readonly TaskView[], mayStart: boolean): SearchStep | undefined {
  const search = observed.plan.spec.strategy?.search;
  if (!search) return undefined;
  return searchStep({ plan: observed.plan, search, tasks, views, now: observed.now, algo: observed.algo, mayStart, canceled: observed.plan.spec.cancel === true });
}

/**
 * The decision with the search's part: its cancels, its status fields and its wake-up, and its
 * releases in place of the plan's (a trial's model is read by its test, yet the best trials keep it).
 */
function withSearch(decision: PlanDecision, step: SearchStep | undefined): PlanDecision {
  if (!step) return decision;
  const { performances: _performances, best: _best, ...status } = decision.status;
  const cancel = [...decision.cancel, ...step.cancel.map(refOf).filter((ref) => !decision.cancel.some((c) => c.namespace === ref.namespace && c.name === ref.name))];
  const searched: PlanDecision = { ...decision, cancel, release: step.release.map(refOf), status: { ...status, ...step.status } };
  if (step.wakeAt !== undefined) searched.wakeAt = step.wakeAt;
  return searched;
}

/** The status's inputs beside identity: the summary, and what stops, retries or searches. */
function situationOf(plan: Readonly<ComputePlan>, parts: { summary: PlanSituation['summary']; stop: StopCause | undefined; retry: RetryStep; search: SearchStep | undefined }): PlanSituation {
  const { stop, retry, search } = parts;
  const situation: PlanSituation = { summary: parts.summary, suspended: plan.spec.suspend === true, appliedRetry: retry.appliedRetry };
  if (stop) situation.stop = stop;
  if (retry.pending) situation.retrying = retry.remaining;
  if (search) situation.search = search.situation;
  return situation;
}

/**
 * What to do about a plan, given what was observed. A plan whose tasks clash or exceed the limit, or
 * read each other's outputs in a circle, creates nothing and stalls (InvalidSpec, CycleDetected).
 * Otherwise each task gets a state from its Job, its parents and its readiness; spec.cancel, and
 * FailFast on a failure, cancel every live Job and start nothing; a new retry annotation deletes the
 * Jobs of failed and canceled tasks before anything starts again; suspend starts nothing; else ready
 * tasks start, lowest rank first, up to spec.parallelism live Jobs. The status assumes the creates
 * land (their tasks count as queued), so the reconcile that sees them appear has nothing to write.
 */
export function decide(observed: PlanObservation): PlanDecision {
  const { plan } = observed;
  const graph = planGraph(plan.spec, plan.status?.trials);
  if (!graph.ok) return halted(observed, [], { reason: graph.reason, message: graph.message });
  const { tasks, dag, order: ordered } = graph;
  if (!ordered.acyclic) return halted(observed, tasks, { reason: ComputePlanReason.CycleDetected, message: `tasks read each other's outputs in a cycle: ${cycleText(ordered.cycle)}` });

  const identified = identifyJobs(observed.jobs, { plan, tasks, order: ordered.order, algo: observed.algo, tokens: retryTokensOf(plan, plan.status?.appliedRetry ?? '') });
  const jobs = identified.own;
  const standing = identified.standing;
  const retry = retryStep(plan, jobs);
  const refusals = refusalsOf(plan, identified, retry);
  const classified = classifyTasks({ tasks, dag, order: ordered.order, jobs: standing, refusals, readiness: readinessContext(observed, standing) });
  const stopped = withStop(plan.spec, classified);
  const { stop } = stopped;
  const allowed = mayCreate(plan, stop, retry);
  const search = searchPart(observed, tasks, stopped.views, allowed);
  const views = search ? search.views : stopped.views;

  const created = allowed ? creations({ plan, tasks, views, ranks: ordered.ranks, jobs }, retry.token) : [];
  const situation = situationOf(plan, { summary: summarizeTasks(tasks, withCreated(views, created)), stop, retry, search });
  Object.assign(situation, identitySituation(plan, identified, retry));
  return withSearch({
    create: created.map((c) => c.desired),
    cancel: cancellations(jobs, stop, retry),
    delete: retry.deletions.map(refOf),
    release: plan.spec.cleanIntermediateOutputs ? outputsToRelease(dag, views).map(refOf) : [],
    ignored: identified.ignored,
    status: planStatus(plan, situation, observed.now),
  }, search);
}
