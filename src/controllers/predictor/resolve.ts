// What a Predictor serves, decided before its Deployment is written: the model's exact file set and
// the server's image, command and resources. Pure: it reads the operator's caches through lookups,
// with the same rules a Job's inputs follow (a producer Job must have succeeded and have the
// output; a plan's task Job is the one the plan named, never one that only carries its labels).
// Whether the namespace holds what was resolved is the reconciler's check, in the store.
import { AlgoCategory, type Algo } from '../../api/algo.ts';
import type { Resources } from '../../api/common.ts';
import { ComputePlanPhase, type ComputePlan } from '../../api/computeplan.ts';
import { JobPhase, type TesseraJob } from '../../api/job.ts';
import { defaultModelOutput, PredictorReason, type Predictor } from '../../api/predictor.ts';
import { namedByPlan } from '../computeplan/identity.ts';
import { planLabels } from '../computeplan/names.ts';
import { taskLookup } from '../computeplan/plan-graph.ts';
import { algoRun } from '../shared/algo-run.ts';
import { bestModelTask } from './best-model.ts';
import { isConditionTrue } from '../shared/conditions.ts';

/** Cached objects resolution reads. */
export interface PredictorLookups {
  job(namespace: string, name: string): Readonly<TesseraJob> | undefined;
  plan(namespace: string, name: string): Readonly<ComputePlan> | undefined;
  /** The Jobs labelled with a plan's uid, in every namespace (the plan-uid index). */
  jobsOfPlan(planUid: string): ReadonlyArray<Readonly<TesseraJob>>;
  algo(namespace: string, name: string): Readonly<Algo> | undefined;
}

/** The model, resolved: what the pods pull into /tessera/inputs/model. */
export interface ResolvedModel {
  digest: string;
  source: string;
}

/** The server, resolved: what the main container runs. */
export interface ResolvedServer {
  image: string;
  command?: string[];
  args?: string[];
  resources?: Resources;
  /** The Algo's code file set, pulled into /tessera/code. */
  code?: string;
}

/** A Predictor's model and server, ready to serve. */
export interface ResolvedPredictor {
  model: ResolvedModel;
  server: ResolvedServer;
}

/** Not (yet) resolved: waiting may end by itself, refused needs a change of spec or elsewhere. */
export type Unresolved = { kind: 'waiting' | 'refused'; reason: string; message: string };

/** The answer of resolvePredictor. */
export type PredictorResolution = { kind: 'ready'; resolved: ResolvedPredictor } | Unresolved;

type Answer<T> = { kind: 'ok'; value: T } | Unresolved;

const waiting = (reason: string, message: string): Unresolved => ({ kind: 'waiting', reason, message });
const refused = (reason: string, message: string): Unresolved => ({ kind: 'refused', reason, message });

/** A producer Job's output: waiting until it succeeds, refused when it never will or has no such output. */
function jobOutput(job: Readonly<TesseraJob>, output: string, what: string): Answer<string> {
  const phase = job.status?.phase;
  if (phase === JobPhase.Failed || phase === JobPhase.Canceled) return refused(PredictorReason.ModelNotFound, `${what} ended ${phase}; it will produce no ${output}`);
  if (phase !== JobPhase.Succeeded) return waiting(PredictorReason.ModelNotReady, `${what} has not succeeded yet`);
  const found = job.status?.outputs?.find((o) => o.name === output);
  if (!found) return refused(PredictorReason.ModelNotFound, `${what} has no output named ${output}`);
  return { kind: 'ok', value: found.digest };
}

function fromJob(predictor: Readonly<Predictor>, ref: NonNullable<Predictor['spec']['model']['job']>, lookups: PredictorLookups): Answer<ResolvedModel> {
  const own = predictor.metadata.namespace ?? '';
  const namespace = ref.namespace ?? own;
  const output = ref.output ?? defaultModelOutput;
  const what = `Job ${namespace}/${ref.name}`;
  // Another namespace's Jobs are not looked at: whether one exists, and what it wrote, is not this
  // tenant's to learn (a Tessera Job's jobOutput inputs are same-namespace only, for the same reason).
  if (namespace !== own) return refused(PredictorReason.NotAuthorized, `${what} is in another namespace: a Predictor serves its own namespace's Job outputs, or a file set its namespace holds by digest`);
  const job = lookups.job(namespace, ref.name);
  if (!job) return waiting(PredictorReason.ModelNotFound, `${what} not found`);
  const answer = jobOutput(job, output, what);
  return answer.kind === 'ok' ? { kind: 'ok', value: { digest: answer.value, source: `job ${namespace}/${ref.name}/${output}` } } : answer;
}

/** The Job that ran `task` for `plan`, succeeded first: one the plan named, in the namespace it put it in. */
function taskJobOf(plan: Readonly<ComputePlan>, task: string, lookups: PredictorLookups): Readonly<TesseraJob> | undefined {
  const named = taskLookup(plan.spec, plan.status?.trials);
  const jobs = lookups.jobsOfPlan(plan.metadata.uid ?? '').filter((j) => j.metadata.labels?.[planLabels.task] === task && namedByPlan(plan, named, j));
  return jobs.find((j) => j.status?.phase === JobPhase.Succeeded) ?? jobs[0];
}

/** `task`'s `output` in `plan`, once its Job succeeded; `source` says where it came from. */
function taskOutputOf(plan: Readonly<ComputePlan>, want: { task: string; output: string; source: string }, lookups: PredictorLookups): Answer<ResolvedModel> {
  const { task, output, source } = want;
  if (!taskLookup(plan.spec, plan.status?.trials)(task)) return refused(PredictorReason.ModelNotFound, `ComputePlan ${plan.metadata.name} has no task ${task}`);
  const job = taskJobOf(plan, task, lookups);
  const what = `task ${task} of ComputePlan ${plan.metadata.name}`;
  if (!job) return waiting(PredictorReason.ModelNotReady, `${what} has not started yet`);
  const answer = jobOutput(job, output, what);
  return answer.kind === 'ok' ? { kind: 'ok', value: { digest: answer.value, source } } : answer;
}

/** What status says a best-row Predictor of `plan` serves now, if it serves one. */
function servedBest(predictor: Readonly<Predictor>, planName: string): ResolvedModel | undefined {
  const { modelDigest, modelSource } = predictor.status ?? {};
  const fresh = predictor.status?.observedGeneration === predictor.metadata.generation;
  return fresh && modelDigest && modelSource?.startsWith(`plan ${planName}/`) && modelSource.includes(' (best row ') ? { digest: modelDigest, source: modelSource } : undefined;
}

/**
 * The best row's model once the plan has finished. Until it finishes again (tasks appended), and
 * for good without `follow`, the model already served stays: a Predictor never rolls to a row that
 * a running plan may still beat, nor, unasked, away from the model people started using.
 */
function fromBestRow(predictor: Readonly<Predictor>, plan: Readonly<ComputePlan>, ref: NonNullable<Predictor['spec']['model']['plan']>, lookups: PredictorLookups): Answer<ResolvedModel> {
  const served = servedBest(predictor, plan.metadata.name);
  if (served && (!ref.follow || plan.status?.phase !== ComputePlanPhase.Succeeded)) return { kind: 'ok', value: served };
  if (plan.status?.phase !== ComputePlanPhase.Succeeded) return waiting(PredictorReason.ModelNotReady, `ComputePlan ${plan.metadata.name} has not succeeded yet (${plan.status?.phase ?? 'Pending'}); its best row is served once it has`);
  const taskOf = taskLookup(plan.spec, plan.status.trials);
  const best = bestModelTask(plan, ref.output, { taskOf, jobOf: (task) => taskJobOf(plan, task, lookups) });
  if (best.kind === 'none') return refused(PredictorReason.ModelNotFound, best.message);
  const row = `${best.row.metric}=${Number(best.row.value.toPrecision(4))} at ${best.row.task}`;
  return taskOutputOf(plan, { task: best.task, output: ref.output, source: `plan ${plan.metadata.name}/${best.task}/${ref.output} (best row ${row})` }, lookups);
}

function fromPlan(predictor: Readonly<Predictor>, ref: NonNullable<Predictor['spec']['model']['plan']>, lookups: PredictorLookups): Answer<ResolvedModel> {
  const namespace = predictor.metadata.namespace ?? '';
  const plan = lookups.plan(namespace, ref.name);
  if (!plan) return waiting(PredictorReason.ModelNotFound, `ComputePlan ${ref.name} not found`);
  if (ref.best) return fromBestRow(predictor, plan, ref, lookups);
  const task = ref.task ?? '';
  return taskOutputOf(plan, { task, output: ref.output, source: `plan ${ref.name}/${task}/${ref.output}` }, lookups);
}

/** Where the model's bytes are: a digest, found for a Job or plan task, or given. */
export function resolveModel(predictor: Readonly<Predictor>, lookups: PredictorLookups): Answer<ResolvedModel> {
  const model = predictor.spec.model;
  if (model.job) return fromJob(predictor, model.job, lookups);
  if (model.plan) return fromPlan(predictor, model.plan, lookups);
  return { kind: 'ok', value: { digest: model.digest ?? '', source: 'file set' } };
}

function fromAlgo(predictor: Readonly<Predictor>, name: string, lookups: PredictorLookups): Answer<ResolvedServer> {
  const algo = lookups.algo(predictor.metadata.namespace ?? '', name);
  if (!algo) return waiting(PredictorReason.AlgoNotFound, `Algo ${name} not found`);
  if (algo.spec.category !== AlgoCategory.Predict) return refused(PredictorReason.InvalidSpec, `Algo ${name} is of category ${algo.spec.category}; a Predictor serves an Algo of category predict`);
  if (!isConditionTrue(algo.status?.conditions, 'Ready')) return waiting(PredictorReason.AlgoNotReady, `Algo ${name} is not Ready`);
  // The Job's rule (algo-run.ts): the Predictor's own command, args and resources win over the Algo's.
  const run = algoRun(algo, { command: predictor.spec.command, args: predictor.spec.args, resources: predictor.spec.resources });
  return { kind: 'ok', value: withoutUndefined({ image: run.image, command: run.command, args: run.args, resources: run.resources, code: run.code?.digest }) };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What the main container runs: the Algo's run, or the spec's image. */
export function resolveServer(predictor: Readonly<Predictor>, lookups: PredictorLookups): Answer<ResolvedServer> {
  const { algo, image, command, args, resources } = predictor.spec;
  if (algo) return fromAlgo(predictor, algo.name, lookups);
  return { kind: 'ok', value: withoutUndefined({ image: image ?? '', command, args, resources }) };
}

/** Resolves the server, then the model; the first that is not ready decides. */
export function resolvePredictor(predictor: Readonly<Predictor>, lookups: PredictorLookups): PredictorResolution {
  const server = resolveServer(predictor, lookups);
  if (server.kind !== 'ok') return server;
  const model = resolveModel(predictor, lookups);
  if (model.kind !== 'ok') return model;
  return { kind: 'ready', resolved: { model: model.value, server: server.value } };
}

/** The objects a Predictor reads, as `namespace/name` keys: what to watch for it. */
export function predictorDependencies(predictor: Readonly<Predictor>): { jobs: string[]; plans: string[]; algos: string[] } {
  const namespace = predictor.metadata.namespace ?? '';
  const { job, plan } = predictor.spec.model;
  return {
    jobs: job ? [`${job.namespace ?? namespace}/${job.name}`] : [],
    plans: plan ? [`${namespace}/${plan.name}`] : [],
    algos: predictor.spec.algo ? [`${namespace}/${predictor.spec.algo.name}`] : [],
  };
}
