// What a Job will actually run, decided before its batch Job exists: the Algo's image and defaults,
// and the exact file set behind every input. Pure: it reads the operator's caches through lookups.
// Three answers: ready (with the effective run), waiting (an input may still appear or become
// ready: the Job stays Pending), or refused (it never can: the Job fails with a reason).
import type { Algo } from '../../api/algo.ts';
import type { Resources } from '../../api/common.ts';
import type { Dataset } from '../../api/dataset.ts';
import { JobPhase, JobReason, type JobInput, type ResolvedInput, type TesseraJob } from '../../api/job.ts';
import { algoRun, type AlgoRun } from '../shared/algo-run.ts';
import { controllingDataset, indexComponent, isRecordedIndexJob } from '../../transfer/server/authorize.ts';
import { importJobName } from '../dataset/import-job.ts';
import { isConditionTrue } from '../shared/conditions.ts';
import { categoryLabel, codeNotApproved, computeConsent, isTrainingRun, readConsent, recreatedNamespace, type Requester } from '../shared/data-permissions.ts';
import type { RunCode } from '../shared/run-digest.ts';

/** Cached objects resolution reads. */
export interface ResolveLookups {
  dataset(namespace: string, name: string): Readonly<Dataset> | undefined;
  job(namespace: string, name: string): Readonly<TesseraJob> | undefined;
  algo(namespace: string, name: string): Readonly<Algo> | undefined;
  /** A namespace's current uid, or undefined when the operator's cache does not know it. */
  namespaceUid: (name: string) => string | undefined;
}

/** The run a Job resolves to. */
export interface EffectiveRun {
  image: string;
  command?: string[];
  args?: string[];
  resources?: Resources;
  inputs: ResolvedInput[];
  code?: { digest: string; source?: string };
  outputs: string[];
  /** Pinned digests the Job's namespace must have been granted; checked in the store before the run. */
  digestsToCheck: string[];
  /** The Job is the index Job its Dataset's status records: its main container is the mover and holds the token. */
  indexes?: boolean;
}

/** The answer of resolveRun. */
export type Resolution =
  | { kind: 'ready'; run: EffectiveRun }
  | { kind: 'waiting'; message: string }
  | { kind: 'refused'; reason: string; message: string };

/** The label a ComputePlan puts on its Jobs: whose compute this is, which datasets must authorize too. */
export const planNamespaceLabel = 'tessera.dev/plan-namespace';

type InputAnswer = { kind: 'ok'; input: ResolvedInput; check?: string } | Exclude<Resolution, { kind: 'ready' }>;

const waiting = (message: string): InputAnswer => ({ kind: 'waiting', message });
const refused = (reason: string, message: string): InputAnswer => ({ kind: 'refused', reason, message });

/** The namespaces on whose behalf a Job computes: its own, and its ComputePlan's. */
function requesters(job: Readonly<TesseraJob>): string[] {
  const own = job.metadata.namespace ?? '';
  const plan = job.metadata.labels?.[planNamespaceLabel];
  return plan && plan !== own ? [own, plan] : [own];
}

/**
 * Why a requester may not use the Dataset as this Job does (refused), or may not yet (waiting: the
 * Dataset has not recorded the namespace it names), or undefined. The Job's own namespace pulls the
 * bytes into its pods, so reading another namespace's Dataset needs read; a plan's namespace
 * receives only outputs, so it needs compute. Labels can be forged, but a forged plan label only
 * adds a requester that must be authorized too.
 */
function permissionRefusal(dataset: Readonly<Dataset>, job: Readonly<TesseraJob>, requester: Requester): { kind: 'refused' | 'waiting'; message: string } | undefined {
  const key = `${dataset.metadata.namespace}/${dataset.metadata.name}`;
  const own = requester.name === (job.metadata.namespace ?? '');
  const consent = own ? readConsent(dataset, requester) : computeConsent(dataset, requester);
  if (consent === 'yes') return undefined;
  if (consent === 'pending') return { kind: 'waiting', message: `Dataset ${key} has not recorded its authorization of namespace ${requester.name} yet` };
  const recreated = recreatedNamespace(dataset, requester);
  if (recreated) return { kind: 'refused', message: recreated };
  if (!own) return { kind: 'refused', message: `Dataset ${key} does not authorize namespace ${requester.name}` };
  const computeOnly = computeConsent(dataset, requester) === 'yes' ? ` (it may compute on it in ${dataset.metadata.namespace}, through a ComputePlan, and receive the outputs)` : '';
  return { kind: 'refused', message: `Dataset ${key} does not let namespace ${requester.name} read its bytes${computeOnly}` };
}

function datasetVersion(dataset: Readonly<Dataset>, version: number | undefined): { digest: string; version: number } | undefined {
  const status = dataset.status;
  if (version === undefined || version === status?.version) {
    return status?.digest && status.version ? { digest: status.digest, version: status.version } : undefined;
  }
  const old = status?.history?.find((h) => h.version === version);
  return old ? { digest: old.digest, version } : undefined;
}

interface InputScope {
  job: Readonly<TesseraJob>;
  algo: Readonly<Algo> | undefined;
  /** What the run executes, as a Dataset's owner approves it. */
  code: RunCode;
  lookups: ResolveLookups;
}

function categoriesOf(scope: InputScope): Array<string | undefined> {
  return [scope.job.metadata.labels?.[categoryLabel], scope.algo?.spec.category];
}

/** A refusal when the Dataset may not be read by this Job, else undefined. */
function datasetRefusal(dataset: Readonly<Dataset>, key: string, input: JobInput, scope: InputScope): InputAnswer | undefined {
  const who = requesters(scope.job);
  for (const name of who) {
    const refusal = permissionRefusal(dataset, scope.job, { name, uid: scope.lookups.namespaceUid(name) });
    if (refusal?.kind === 'refused') return refused(JobReason.Unauthorized, `input ${input.name}: ${refusal.message}`);
    if (refusal) return waiting(`input ${input.name}: ${refusal.message}`);
  }
  for (const name of who) {
    const refusal = codeNotApproved(dataset, name, scope.code);
    if (refusal) return refused(JobReason.CodeNotApproved, `input ${input.name}: ${refusal}`);
  }
  const categories = categoriesOf(scope);
  if (dataset.spec.testOnly && isTrainingRun(categories)) {
    const declared = categories.filter(Boolean).join(', ') || 'none';
    return refused(JobReason.InvalidSpec, `input ${input.name}: Dataset ${key} is test-only; a run that may learn from its data (category: ${declared}; set the ${categoryLabel} label to metric or predict, or run a metric Algo) may not read it`);
  }
  return undefined;
}

/** The digest of the version asked for, or why there is none (yet). */
function pickVersion(dataset: Readonly<Dataset>, key: string, input: JobInput, version: number | undefined): InputAnswer {
  const what = `input ${input.name}: Dataset ${key}`;
  if (version === undefined && !isConditionTrue(dataset.status?.conditions, 'Ready')) return waiting(`${what} is not Ready`);
  const found = datasetVersion(dataset, version);
  if (found) return { kind: 'ok', input: { name: input.name, digest: found.digest, version: found.version, source: `dataset ${key} v${found.version}` } };
  if (version === undefined) return waiting(`${what} has no file set yet`);
  if (version <= (dataset.status?.version ?? 0)) return refused(JobReason.InputNotFound, `${what} no longer keeps version ${version}`);
  return waiting(`${what} has no version ${version} yet`);
}

function resolveDataset(input: JobInput, ref: NonNullable<JobInput['dataset']>, scope: InputScope): InputAnswer {
  const namespace = ref.namespace ?? scope.job.metadata.namespace ?? '';
  const key = `${namespace}/${ref.name}`;
  const dataset = scope.lookups.dataset(namespace, ref.name);
  if (!dataset) return waiting(`input ${input.name}: Dataset ${key} not found`);
  return datasetRefusal(dataset, key, input, scope) ?? pickVersion(dataset, key, input, ref.version);
}

function resolveJobOutput(input: JobInput, ref: NonNullable<JobInput['jobOutput']>, scope: InputScope): InputAnswer {
  const namespace = scope.job.metadata.namespace ?? '';
  const producer = scope.lookups.job(namespace, ref.job);
  const what = `input ${input.name}: Job ${ref.job}`;
  if (!producer) return waiting(`${what} not found`);
  const phase = producer.status?.phase;
  if (phase === JobPhase.Failed || phase === JobPhase.Canceled) return refused(JobReason.InputNotReady, `${what} ended ${phase}; it will produce no ${ref.output}`);
  if (phase !== JobPhase.Succeeded) return waiting(`${what} has not succeeded yet`);
  const output = producer.status?.outputs?.find((o) => o.name === ref.output);
  if (!output) return refused(JobReason.InputNotFound, `${what} has no output named ${ref.output}`);
  return { kind: 'ok', input: { name: input.name, digest: output.digest, source: `job ${ref.job}/${ref.output}` } };
}

function resolveInput(input: JobInput, scope: InputScope): InputAnswer {
  if (input.dataset) return resolveDataset(input, input.dataset, scope);
  if (input.jobOutput) return resolveJobOutput(input, input.jobOutput, scope);
  const digest = input.fileSet?.digest ?? '';
  return { kind: 'ok', input: { name: input.name, digest, source: 'file set' }, check: digest };
}

function missingRequiredInputs(job: Readonly<TesseraJob>, algo: Readonly<Algo>): string[] {
  const bound = new Set((job.spec.inputs ?? []).map((i) => i.name));
  return (algo.spec.inputs ?? []).filter((i) => !i.optional && !bound.has(i.name)).map((i) => i.name);
}

type AlgoAnswer = { kind: 'ok'; algo: Readonly<Algo> | undefined } | Exclude<Resolution, { kind: 'ready' }>;

function resolveAlgo(job: Readonly<TesseraJob>, lookups: ResolveLookups): AlgoAnswer {
  const name = job.spec.algoRef?.name;
  if (!name) return { kind: 'ok', algo: undefined };
  const algo = lookups.algo(job.metadata.namespace ?? '', name);
  if (!algo) return { kind: 'waiting', message: `Algo ${name} not found` };
  if (!isConditionTrue(algo.status?.conditions, 'Ready')) return { kind: 'waiting', message: `Algo ${name} is not Ready` };
  const missing = missingRequiredInputs(job, algo);
  if (missing.length) return { kind: 'refused', reason: JobReason.InvalidSpec, message: `Algo ${name} needs inputs that are not bound: ${missing.join(', ')}` };
  return { kind: 'ok', algo };
}

function codeOf(job: Readonly<TesseraJob>, algo: Readonly<Algo> | undefined, run: AlgoRun): EffectiveRun['code'] {
  if (!run.code) return undefined;
  return { digest: run.code.digest, source: job.spec.code || !algo ? 'file set' : `algo ${algo.metadata.name}` };
}

/** The Job's run of its Algo (algoRun: its own fields win, resources merge field by field). */
function runOf(job: Readonly<TesseraJob>, algo: Readonly<Algo> | undefined): AlgoRun {
  return algoRun(algo, job.spec);
}

/** What a Dataset's owner approves of this run (its parameters are not code: run-digest.ts). */
function runCodeOf(job: Readonly<TesseraJob>, run: AlgoRun): RunCode {
  return { image: run.image, command: run.command, args: run.args, env: job.spec.env, code: run.code?.digest };
}

function effectiveRun(job: Readonly<TesseraJob>, algo: Readonly<Algo> | undefined, inputs: ResolvedInput[], checks: string[]): EffectiveRun {
  const spec = job.spec;
  const run = runOf(job, algo);
  const effective: EffectiveRun = { image: run.image, inputs, outputs: run.outputs, digestsToCheck: spec.code ? [...checks, spec.code.digest] : checks };
  if (run.command) effective.command = run.command;
  if (run.args) effective.args = run.args;
  if (run.resources) effective.resources = run.resources;
  const code = codeOf(job, algo, run);
  if (code) effective.code = code;
  return effective;
}

/** The Dataset the Job's controller reference names, if it exists with that uid. */
function ownerDataset(job: Readonly<TesseraJob>, lookups: ResolveLookups): Readonly<Dataset> | undefined {
  const owner = controllingDataset(job);
  const dataset = owner ? lookups.dataset(job.metadata.namespace ?? '', owner.name) : undefined;
  return dataset && dataset.metadata.uid === owner?.uid ? dataset : undefined;
}

/**
 * For a Job labelled as a Dataset's index Job: whether it is the one the Dataset recorded (it may
 * run with the mover's token), still to be recorded (wait), or an imitation (refused).
 */
function indexClaim(job: Readonly<TesseraJob>, lookups: ResolveLookups): { kind: 'ok'; indexes: boolean } | Exclude<Resolution, { kind: 'ready' }> {
  if (job.metadata.labels?.['app.kubernetes.io/component'] !== indexComponent) return { kind: 'ok', indexes: false };
  const dataset = ownerDataset(job, lookups);
  if (isRecordedIndexJob(job, dataset)) return { kind: 'ok', indexes: true };
  // The name its Dataset gives its index Job, recorded or not yet (a status write the cache has not
  // shown, a new source's Job): wait for the record. Any other Job claiming to index is refused.
  if (dataset && job.metadata.name === importJobName(dataset)) {
    return { kind: 'waiting', message: `waiting for Dataset ${dataset.metadata.name} to record this Job as its index Job` };
  }
  return { kind: 'refused', reason: JobReason.Unauthorized, message: `labelled as a Dataset's index Job, but no Dataset recorded it as one: only the operator creates index Jobs` };
}

/** Resolves the Algo and every input of `job`; the first input that is not ready decides. */
export function resolveRun(job: Readonly<TesseraJob>, lookups: ResolveLookups): Resolution {
  // Grants and authorizations are the namespace's as it is now, by uid: a namespace the cache has
  // not seen yet (a watch event behind its Job) is waited for, not refused.
  const namespace = job.metadata.namespace ?? '';
  if (lookups.namespaceUid(namespace) === undefined) return { kind: 'waiting', message: `namespace ${namespace} is not in the operator's cache yet` };
  const claim = indexClaim(job, lookups);
  if (claim.kind !== 'ok') return claim;
  const algoAnswer = resolveAlgo(job, lookups);
  if (algoAnswer.kind !== 'ok') return algoAnswer;
  const scope: InputScope = { job, algo: algoAnswer.algo, code: runCodeOf(job, runOf(job, algoAnswer.algo)), lookups };
  const inputs: ResolvedInput[] = [];
  const checks: string[] = [];
  for (const input of job.spec.inputs ?? []) {
    const answer = resolveInput(input, scope);
    if (answer.kind !== 'ok') return answer;
    inputs.push(answer.input);
    if (answer.check) checks.push(answer.check);
  }
  const run = effectiveRun(job, algoAnswer.algo, inputs, checks);
  return { kind: 'ready', run: claim.indexes ? { ...run, indexes: true } : run };
}

/** The Datasets and Jobs a Job's inputs name, as `namespace/name` keys: what to watch for it. */
export function inputDependencies(job: Readonly<TesseraJob>): { datasets: string[]; jobs: string[]; algos: string[] } {
  const namespace = job.metadata.namespace ?? '';
  const inputs = job.spec.inputs ?? [];
  // An index Job waits for its Dataset to record it, so the Dataset's changes concern it too.
  const owner = job.metadata.labels?.['app.kubernetes.io/component'] === indexComponent ? controllingDataset(job) : undefined;
  return {
    datasets: [...inputs.flatMap((i) => (i.dataset ? [`${i.dataset.namespace ?? namespace}/${i.dataset.name}`] : [])), ...(owner ? [`${namespace}/${owner.name}`] : [])],
    jobs: inputs.flatMap((i) => (i.jobOutput ? [`${namespace}/${i.jobOutput.job}`] : [])),
    algos: job.spec.algoRef ? [`${namespace}/${job.spec.algoRef.name}`] : [],
  };
}
