// What a calling pod may read and write: decided from the operator's caches alone, never from
// anything the pod says about itself. Pure.
import type * as k8s from '@kubernetes/client-node';
import type { Algo } from '../../api/algo.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { Predictor } from '../../api/predictor.ts';
import { observedViewAnnotation, runSealAnnotation, verifyRunSeal, type RunSubject } from '../../controllers/job/run-seal.ts';
import type { SigningKeys } from '../../storage/result-record.ts';
import type { RunPlan } from '../protocol.ts';
import { TransferError } from './errors.ts';
import type { PodIdentity } from './identity.ts';
import { claimsPredictor, predictorOfPod, predictorPlanOf, predictorPodSubject, type PredictorLookup } from './predictor-runs.ts';

/** The objects authorization looks at, read from the operator's caches. */
export interface RunLookups {
  pod(namespace: string, name: string): Readonly<k8s.V1Pod> | undefined;
  job(namespace: string, name: string): Readonly<TesseraJob> | undefined;
  batchJob(namespace: string, name: string): Readonly<k8s.V1Job> | undefined;
  algo(namespace: string, name: string): Readonly<Algo> | undefined;
  dataset(namespace: string, name: string): Readonly<Dataset> | undefined;
  /** Predictors, whose pods pull their model (predictor-runs.ts); none: no pod is a Predictor's. */
  predictor?: PredictorLookup;
}

/** A pod's run, proven: the pod, its Tessera Job (or Predictor) and what it may move. */
export interface RunContext {
  pod: Readonly<k8s.V1Pod>;
  /** The Tessera Job the pod runs for; none for a Predictor's pod. */
  job?: Readonly<TesseraJob>;
  /** The Predictor the pod serves, when it is one of a Predictor's Deployment. */
  predictor?: Readonly<Predictor>;
  plan: RunPlan;
  /** For a Dataset's index Job: the Dataset, whose source.prefix it may read. */
  indexes?: Readonly<Dataset>;
}

/** The component label of a Dataset's index Job. */
export const indexComponent = 'dataset-index';

/** The Dataset whose controller reference `job` carries, if any. Pure. */
export function controllingDataset(job: Readonly<TesseraJob>): { name: string; uid: string } | undefined {
  const ref = job.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Dataset');
  return ref ? { name: ref.name, uid: ref.uid } : undefined;
}

/**
 * Whether `job` is the index Job `dataset` created: the Dataset's status names the Job's uid, which
 * only the operator can have written (tenants cannot write status), and the Job is controlled by
 * it. Labels and owner references alone prove nothing: anyone who may create Jobs can copy them.
 */
export function isRecordedIndexJob(job: Readonly<TesseraJob>, dataset: Readonly<Dataset> | undefined): boolean {
  const uid = job.metadata.uid;
  if (!dataset || !uid || controllingDataset(job)?.uid !== dataset.metadata.uid) return false;
  return dataset.status?.indexJob?.uid === uid && dataset.status.indexJob.name === job.metadata.name;
}

/**
 * The Dataset a Job indexes: one with a prefix source whose status records this Job as the index
 * Job it created. Anything else gets no access to any landing zone.
 */
export function indexedDataset(job: Readonly<TesseraJob>, lookups: Pick<RunLookups, 'dataset'>): Readonly<Dataset> | undefined {
  const owner = controllingDataset(job);
  if (!owner) return undefined;
  const dataset = lookups.dataset(job.metadata.namespace ?? '', owner.name);
  return dataset?.spec.source.prefix && isRecordedIndexJob(job, dataset) ? dataset : undefined;
}

const jobLabel = 'tessera.dev/job';
const jobUidLabel = 'tessera.dev/job-uid';

function controllerOf(obj: Readonly<k8s.KubernetesObject>): k8s.V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller);
}

function provenPod(identity: PodIdentity, lookups: RunLookups): Readonly<k8s.V1Pod> {
  const pod = lookups.pod(identity.namespace, identity.podName);
  if (!pod || pod.metadata?.uid !== identity.podUid) {
    throw new TransferError('NotFound', `pod ${identity.namespace}/${identity.podName} is not a known Tessera run (yet)`);
  }
  return pod;
}

/**
 * The Tessera Job a pod runs for, proven by ownership: the pod is controlled by a batch Job that is
 * controlled by the Tessera Job its labels name. Labels alone could be forged by anyone who may
 * create pods in the namespace.
 */
function provenJob(pod: Readonly<k8s.V1Pod>, lookups: RunLookups): Readonly<TesseraJob> {
  const { namespace = '', name = '', labels = {} } = pod.metadata ?? {};
  const job = lookups.job(namespace, labels[jobLabel] ?? '');
  if (job && job.metadata.uid === labels[jobUidLabel] && isControlledBy(pod, job, lookups)) return job;
  throw new TransferError('Forbidden', `pod ${namespace}/${name} is not run by a Tessera Job`);
}

/** Whether the pod's controller is a batch Job whose controller is `job`. */
function isControlledBy(pod: Readonly<k8s.V1Pod>, job: Readonly<TesseraJob>, lookups: RunLookups): boolean {
  const batchRef = controllerOf(pod);
  if (batchRef?.kind !== 'Job') return false;
  const batchJob = lookups.batchJob(job.metadata.namespace ?? '', batchRef.name);
  if (!batchJob || batchJob.metadata?.uid !== batchRef.uid) return false;
  return controllerOf(batchJob)?.uid === job.metadata.uid;
}

/**
 * Throws Forbidden unless the pod carries the seal the operator put on its run's pod template and
 * still runs and mounts what that seal covers (run-seal.ts). Ownership alone proves nothing: a bare
 * pod may name the operator's batch Job as its controller, next to the operator's own movers.
 */
export function checkRunSealed(pod: Readonly<k8s.V1Pod>, job: Readonly<TesseraJob>, keys: SigningKeys): void {
  const subject = { namespace: pod.metadata?.namespace ?? '', jobUid: job.metadata.uid ?? '', batchJob: controllerOf(pod)?.name ?? '' };
  checkSealedFor(pod, subject, `${subject.namespace}/${job.metadata.name}`, keys);
}

function checkSealedFor(pod: Readonly<k8s.V1Pod>, subject: RunSubject, owner: string, keys: SigningKeys): void {
  const { namespace = '', name = '', annotations = {} } = pod.metadata ?? {};
  if (verifyRunSeal(keys, subject, annotations[runSealAnnotation], annotations[observedViewAnnotation])) return;
  throw new TransferError('Forbidden', `pod ${namespace}/${name} is not a run the operator made for ${owner}: its run seal is missing or does not match its containers and volumes`);
}

/** checkRunSealed for whichever the pod was proven to run for: its Job's run, or its Predictor's Deployment. */
export function checkPodSealed(ctx: Pick<RunContext, 'pod' | 'job' | 'predictor'>, keys: SigningKeys): void {
  if (ctx.predictor) return checkSealedFor(ctx.pod, predictorPodSubject(ctx.predictor), `Predictor ${ctx.pod.metadata?.namespace}/${ctx.predictor.metadata.name}`, keys);
  if (!ctx.job) throw new TransferError('Forbidden', `pod ${ctx.pod.metadata?.namespace}/${ctx.pod.metadata?.name} runs for nothing Tessera made`);
  checkRunSealed(ctx.pod, ctx.job, keys);
}

/** The outputs a run may commit: the Job's own list, else its Algo's. */
export function allowedOutputs(job: Readonly<TesseraJob>, algo: Readonly<Algo> | undefined): string[] {
  return (job.spec.outputs ?? algo?.spec.outputs ?? []).map((o) => o.name);
}

/** The main container's exit code, once it has terminated. */
export function mainExitCode(pod: Readonly<k8s.V1Pod>): number | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === 'main')?.state?.terminated?.exitCode;
}

/** What the run of `job` reads and writes: only the inputs its controller resolved into status. */
export function runPlanOf(job: Readonly<TesseraJob>, algo: Readonly<Algo> | undefined, pod: Readonly<k8s.V1Pod>): RunPlan {
  const inputs = (job.status?.inputs ?? []).map((i) => ({ name: i.name, digest: i.digest, target: `inputs/${i.name}` }));
  const code = job.status?.code;
  return {
    namespace: job.metadata.namespace ?? '',
    job: job.metadata.name,
    inputs: code ? [...inputs, { name: 'code', digest: code.digest, target: 'code' }] : inputs,
    outputs: allowedOutputs(job, algo),
    mainExitCode: mainExitCode(pod),
  };
}

/** Proves the pod's run and says what it may move; throws TransferError otherwise. */
export function authorizeRun(identity: PodIdentity, lookups: RunLookups): RunContext {
  const pod = provenPod(identity, lookups);
  if (claimsPredictor(pod)) {
    const predictor = predictorOfPod(pod, lookups.predictor);
    return { pod, predictor, plan: predictorPlanOf(predictor) };
  }
  const job = provenJob(pod, lookups);
  const algoName = job.spec.algoRef?.name;
  const algo = algoName ? lookups.algo(identity.namespace, algoName) : undefined;
  const indexes = indexedDataset(job, lookups);
  const plan = runPlanOf(job, algo, pod);
  return indexes ? { pod, job, plan: { ...plan, indexes: indexes.metadata.name }, indexes } : { pod, job, plan };
}

/** Throws unless `digest` is one of the file sets the run may read. */
export function checkReadable(plan: RunPlan, digest: string): void {
  if (!plan.inputs.some((i) => i.digest === digest)) {
    throw new TransferError('Forbidden', `the run of ${plan.namespace}/${plan.job} may not read ${digest}`);
  }
}

/** Throws unless the run may write the output `name`. */
export function checkWritable(plan: RunPlan, name: string): void {
  if (!plan.outputs.includes(name)) {
    throw new TransferError('Forbidden', `the run of ${plan.namespace}/${plan.job} has no output named ${name}`);
  }
}
