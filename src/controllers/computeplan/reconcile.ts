import type { Algo } from '../../api/algo.ts';
import { ComputePlanReason, maxRefusedTasks, type ComputePlan, type ComputePlanStatus } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { Logger } from '../../runtime/logger.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import { holdsAccess, lendAccess, loansOf, withdrawLoans, type UidOf } from '../../storage/access.ts';
import { forEachBounded } from '../../storage/bounded.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { conditionEvent, subjectOf } from '../shared/transition-events.ts';
import { namedByPlan } from './identity.ts';
import { planFinalizer, planLabels } from './names.ts';
import { taskLookup } from './plan-graph.ts';
import type { DesiredTaskJob } from './desired.ts';
import { loanDecision, loanId, type LoanDecision } from './loans.ts';
import { decide, type PlanDecision } from './schedule.ts';
import { ownJobs } from './task-jobs.ts';
import type { PlanWrites } from './writes.ts';
import { parseKey } from '../../runtime/object-key.ts';

/** What the ComputePlan reconciler reads and writes. */
export interface PlanReconcilerDeps {
  plans: ObjectCache<ComputePlan>;
  /** The plan's Jobs, in every namespace, by the plan's uid. */
  jobsOfPlan(planUid: string): ReadonlyArray<Readonly<TesseraJob>>;
  algos: ObjectCache<Algo>;
  datasets: ObjectCache<Dataset>;
  /** A namespace's current uid (the operator's cache): loans and authorizations are the namespace's as it is now. */
  namespaceUid: UidOf;
  /** Grants consumers in other namespaces read access to their parents' outputs. */
  store?: BlobStore;
  writes: PlanWrites;
  events?: Pick<EventRecorder, 'record'>;
  clock: Clock;
}

/** A plan still running is looked at again after this long, whatever its Jobs do (a safety net). */
const resyncMs = 60_000;

function isForeign(job: Readonly<TesseraJob>, plan: Readonly<ComputePlan>): boolean {
  return job.metadata.namespace !== plan.metadata.namespace;
}

/** The plan's Jobs in other namespaces, by name: others labelled as its own are not its to delete. */
function foreignJobs(plan: Readonly<ComputePlan>, deps: PlanReconcilerDeps): Array<Readonly<TesseraJob>> {
  const taskNamed = taskLookup(plan.spec, plan.status?.trials);
  return deps.jobsOfPlan(plan.metadata.uid ?? '').filter((job) => isForeign(job, plan) && namedByPlan(plan, taskNamed, job));
}

/**
 * A deleted plan takes its Jobs in other namespaces with it (those in its own are garbage-collected
 * through their ownerReference): delete each, drop the plan's finalizer from those being deleted,
 * and let the plan go once none is left.
 */
async function finalize(plan: Readonly<ComputePlan>, deps: PlanReconcilerDeps, log: Logger): Promise<void> {
  await withdrawUnbacked(plan, { sweep: true, keep: new Set() }, deps, log);
  const foreign = foreignJobs(plan, deps);
  await releaseDeletedJobs(foreign, deps);
  for (const job of foreign.filter((j) => !j.metadata.deletionTimestamp)) await deps.writes.deleteJob({ namespace: job.metadata.namespace ?? '', name: job.metadata.name, uid: job.metadata.uid });
  // A deleted Job that only another controller's finalizer holds is no longer the plan's to wait for.
  const holding = foreign.filter((j) => !j.metadata.deletionTimestamp || j.metadata.finalizers?.includes(planFinalizer));
  if (holding.length > 0) {
    log.info({ jobs: foreign.length }, 'deleting the plan: deleting its Jobs in other namespaces');
    return;
  }
  if (plan.metadata.finalizers?.includes(planFinalizer)) await deps.writes.setPlanFinalizer(plan, false);
}

/** Jobs someone deleted keep the plan's finalizer only until the plan has seen them go. */
async function releaseDeletedJobs(jobs: ReadonlyArray<Readonly<TesseraJob>>, deps: PlanReconcilerDeps): Promise<void> {
  for (const job of jobs) {
    if (job.metadata.deletionTimestamp && job.metadata.finalizers?.includes(planFinalizer)) await deps.writes.dropJobFinalizer(job);
  }
}

/**
 * Several creates in flight at once: one after another, a 999-wide fan-out took minutes to start
 * (npm run bench -- plan: ~5 Jobs/s, dispatch p50 92 s). The client's QPS limit still paces them.
 */
const createConcurrency = 16;

/** A task whose Job the API server refused to create, in its words (status.refusedTasks). */
type RefusedTask = NonNullable<ComputePlanStatus['refusedTasks']>[number];

/**
 * Lends each file set a task's Job borrows, after checking that the namespace it comes from holds
 * it: a plan passes on only what it was given, whatever its Algos or its cache say. Returns false
 * (and creates nothing) when one is not held.
 */
async function lend(plan: Readonly<ComputePlan>, { job, grants }: DesiredTaskJob, deps: PlanReconcilerDeps, log: Logger): Promise<boolean> {
  const task = job.metadata.labels?.[planLabels.task];
  if (grants.length > 0 && !deps.store) throw new Error(`task ${task} reads a file set of another namespace, which needs the object store`);
  for (const grant of grants) {
    if (!deps.store) continue;
    if (deps.namespaceUid(grant.namespace) === undefined) {
      log.info({ task, namespace: grant.namespace }, 'not starting a task yet: its namespace is not in the operator\'s cache');
      return false;
    }
    if (!(await holdsAccess(deps.store, deps.namespaceUid, grant.from, grant.digest))) {
      log.warn({ task, digest: grant.digest, from: grant.from }, 'not starting a task: the namespace it would borrow a file set from does not hold it');
      return false;
    }
    await lendAccess(deps.store, deps.namespaceUid, plan.metadata.uid ?? '', grant);
  }
  return true;
}

async function createJobs(plan: Readonly<ComputePlan>, decision: PlanDecision, deps: PlanReconcilerDeps, log: Logger): Promise<RefusedTask[]> {
  const refused: RefusedTask[] = [];
  await forEachBounded(decision.create, createConcurrency, async (desired) => {
    // Loans first: a Job that exists can be started, and must then be able to read its inputs.
    if (!(await lend(plan, desired, deps, log))) return;
    const { job } = desired;
    const task = job.metadata.labels?.[planLabels.task] ?? '';
    const created = await deps.writes.createJob(job);
    if (created === 'created') log.info({ job: `${job.metadata.namespace}/${job.metadata.name}`, task }, 'started a task');
    if (typeof created === 'object') refused.push({ task, message: `the API server refused Job ${job.metadata.namespace}/${job.metadata.name}: ${created.refused}`.slice(0, 1024) });
  });
  return refused;
}

/** Withdraws the plan's loans that no authorization in force backs any more (loans.ts). */
async function withdrawUnbacked(plan: Readonly<ComputePlan>, loans: LoanDecision, deps: PlanReconcilerDeps, log: Logger): Promise<void> {
  if (!loans.sweep || !deps.store) return;
  const uid = plan.metadata.uid ?? '';
  const stale = (await loansOf(deps.store, uid)).filter((loan) => !loans.keep.has(loanId(loan)));
  await withdrawLoans(deps.store, uid, stale);
  if (stale.length > 0) log.info({ loans: stale.map(loanId) }, 'withdrew file sets the plan had lent: their authorization ended');
}

/** Acts on the decision; returns the tasks whose Job the API server refused. */
async function apply(plan: Readonly<ComputePlan>, decision: PlanDecision, deps: PlanReconcilerDeps, log: Logger): Promise<RefusedTask[]> {
  const refused = await createJobs(plan, decision, deps, log);
  for (const ref of decision.cancel) await deps.writes.cancelJob(ref);
  for (const ref of decision.delete) await deps.writes.deleteJob(ref);
  for (const ref of decision.release) await deps.writes.releaseOutputs(ref);
  if (decision.cancel.length > 0) log.info({ jobs: decision.cancel.length }, 'canceling running tasks');
  if (decision.delete.length > 0) log.info({ jobs: decision.delete.length }, 'retrying: deleting the Jobs of failed and canceled tasks');
  return refused;
}

/**
 * The decided status with refused tasks recorded: a refusal is final (retrying the create would be
 * refused again), so the next decide fails those tasks, and the plan's failure policy applies.
 */
function withRefusals(status: ComputePlanStatus, refused: readonly RefusedTask[]): ComputePlanStatus {
  if (refused.length === 0) return status;
  const kept = (status.refusedTasks ?? []).filter((r) => !refused.some((n) => n.task === r.task));
  return { ...status, refusedTasks: [...kept, ...refused].slice(-maxRefusedTasks) };
}

function isFinished(plan: Readonly<ComputePlan>, decision: PlanDecision): boolean {
  const phase = decision.status.phase;
  return (phase === 'Succeeded' || phase === 'Failed' || phase === 'Canceled') && decision.create.length === 0 && plan.spec.suspend !== true;
}

/**
 * Reconciles one ComputePlan: load → deleting? finalize → finalizer on → decide (pure) → grants and
 * Job creates, cancels, deletes, releases → status, written only when it changed. Every write is
 * idempotent and every decision is recomputed from the caches, so a crash at any line loses nothing.
 */
export async function reconcilePlan(key: string, log: Logger, deps: PlanReconcilerDeps): Promise<ReconcileResult | void> {
  const { namespace, name } = parseKey(key);
  const plan = deps.plans.get(namespace, name);
  if (!plan) return;
  if (plan.metadata.deletionTimestamp) return finalize(plan, deps, log);
  if (!plan.metadata.finalizers?.includes(planFinalizer)) {
    // Its Jobs in other namespaces are reachable only through the plan: it must not vanish first.
    await deps.writes.setPlanFinalizer(plan, true);
    return;
  }
  const jobs = deps.jobsOfPlan(plan.metadata.uid ?? '');
  await releaseDeletedJobs(jobs, deps);
  const decision = decide({
    plan,
    jobs,
    algo: (algo) => deps.algos.get(namespace, algo),
    dataset: (ns, dataset) => deps.datasets.get(ns, dataset),
    namespaceUid: deps.namespaceUid,
    now: new Date(deps.clock.now()),
  });
  // Only Jobs the plan named can keep a loan alive: another carrying its labels cannot.
  const taskNamed = taskLookup(plan.spec, plan.status?.trials);
  const named = ownJobs(jobs, plan.metadata.uid ?? '').filter((job) => namedByPlan(plan, taskNamed, job));
  const loans = loanDecision({ plan, jobs: named, creating: decision.create, finished: isFinished(plan, decision), dataset: (ns, name) => deps.datasets.get(ns, name), namespaceUid: deps.namespaceUid });
  await withdrawUnbacked(plan, loans, deps, log);
  const refused = await apply(plan, decision, deps, log);
  await writeStatusIfChanged(plan, { ...decision, status: withRefusals(decision.status, refused) }, deps, log);
  reportRefusals(plan, refused, deps, log);
  if (!isFinished(plan, decision)) return { requeueAfterMs: wakeDelay(decision, deps.clock.now()) };
}

/** The resync, or sooner when the decision must be looked at again then (a search's time budget). */
function wakeDelay(decision: PlanDecision, now: number): number {
  return decision.wakeAt === undefined ? resyncMs : Math.max(1, Math.min(resyncMs, decision.wakeAt - now + 1));
}

function reportRefusals(plan: Readonly<ComputePlan>, refused: readonly RefusedTask[], deps: PlanReconcilerDeps, log: Logger): void {
  for (const { task, message } of refused) {
    log.warn({ task }, message);
    deps.events?.record(subjectOf(plan), { type: 'Warning', reason: ComputePlanReason.InvalidSpec, action: 'CreateJob', note: `task ${task}: ${message}` });
  }
}

/** One Warning for the Jobs newly ignored: status.ignoredJobs remembers those already reported. */
function reportIgnored(plan: Readonly<ComputePlan>, decision: PlanDecision, deps: PlanReconcilerDeps, log: Logger): void {
  const reported = new Set(plan.status?.ignoredJobs ?? []);
  const listed = new Set(decision.status.ignoredJobs ?? []);
  const fresh = decision.ignored.filter(({ job }) => {
    const ref = `${job.metadata.namespace}/${job.metadata.name}`;
    return listed.has(ref) && !reported.has(ref);
  });
  if (fresh.length === 0) return;
  const note = fresh.map(({ job, why }) => `Job ${job.metadata.namespace}/${job.metadata.name}: ${why}`).join('; ');
  log.warn({ jobs: fresh.length }, `ignoring Jobs labelled as this plan's: ${note}`);
  deps.events?.record(subjectOf(plan), { type: 'Warning', reason: 'JobIgnored', action: 'Reconcile', note: `not this plan's, ignored: ${note}`.slice(0, 1024) });
}

async function writeStatusIfChanged(plan: Readonly<ComputePlan>, decision: PlanDecision, deps: PlanReconcilerDeps, log: Logger): Promise<void> {
  if (plan.status && jsonEqual(plan.status, decision.status)) return;
  await deps.writes.writeStatus(plan, decision.status);
  reportIgnored(plan, decision, deps, log);
  if (plan.status?.phase !== decision.status.phase) log.info({ phase: decision.status.phase, progress: decision.status.progress }, `plan ${decision.status.phase}`);
  const [before, after] = [plan.status?.conditions, decision.status.conditions];
  const event = conditionEvent(before, after, { good: 'Succeeded', bad: 'Failed' }) ?? conditionEvent(before, after, { good: 'Ready', bad: 'Stalled' });
  if (event) deps.events?.record(subjectOf(plan), event);
}
