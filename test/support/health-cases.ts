import type { Algo } from '../../src/api/algo.ts';
import type { ComputePlan, TaskCounts } from '../../src/api/computeplan.ts';
import type { Dataset } from '../../src/api/dataset.ts';
import type { Predictor } from '../../src/api/predictor.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { algoStatus, type CodeCheck } from '../../src/controllers/algo/status.ts';
import { planFinalizer } from '../../src/controllers/computeplan/names.ts';
import { planStatus, type PlanSituation } from '../../src/controllers/computeplan/status.ts';
import type { TaskSummary } from '../../src/controllers/computeplan/summary.ts';
import { datasetStatus, type SourceCheck } from '../../src/controllers/dataset/status.ts';
import { moverContainerNames } from '../../src/controllers/job/mover-containers.ts';
import { predictorStatus, type PredictorObservation } from '../../src/controllers/predictor/status.ts';
import type { Resolution } from '../../src/controllers/job/resolve.ts';
import { invalidSpecStatus, jobStatus, nameTakenStatus, refusedStatus, resolutionStatus, type ObservedRun } from '../../src/controllers/job/status.ts';
import { makeInputDataset, makeJob, makeReadyAlgo, observedBatchJob, observedPod } from './job-builders.ts';
import { makePlan } from './plan-builders.ts';
import { makePredictor, modelDigest, observedDeployment } from './predictor-builders.ts';

// Every phase (and reason) each kind can be in, its status made by the operator's own pure status
// builders, with what kstatus and Argo CD must say of it. test/integration/health-verdicts.test.ts
// feeds these to scripts/health; scripts/health/write-argocd.ts writes them out as the Argo CD test
// cases under deploy/argocd/.

/** kstatus' verdict (status.Compute) of an object. */
export type KStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating';
/** Argo CD's health of an object. */
export type ArgoHealth = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended';

/** One object in one phase, and the verdicts it must get. */
export interface HealthCase {
  /** A file-name-safe name: `failed-oomkilled`. */
  name: string;
  object: TesseraJob | Dataset | Algo | ComputePlan | Predictor;
  kstatus: KStatus;
  argocd: ArgoHealth;
  /** The reason the Argo CD message starts with (`OOMKilled: …`), when it names one. */
  reason?: string;
}

const now = new Date('2026-01-01T01:00:00Z');
const run = (fields: Partial<ObservedRun>): ObservedRun => ({ batchJob: undefined, pods: [], specChangedAfterStart: false, ...fields });
const job = (): TesseraJob => makeJob('train').obj();
const withStatus = <T extends { status?: unknown }>(obj: T, status: T['status']): T => ({ ...obj, status });

const running = (): ReturnType<typeof observedBatchJob> => observedBatchJob().started('2026-01-01T00:00:00Z');
const failedWith = (reason: string, counts: { failed: number }, message = ''): ObservedRun['batchJob'] => observedBatchJob().condition('Failed', reason, message).counts(counts).obj();
const complete = observedBatchJob().condition('Complete').counts({ succeeded: 1 }).obj();

/** A Job in phase and reason `name`, from jobStatus. */
function jobCase(name: string, observed: ObservedRun, want: Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'>, base: TesseraJob = job()): HealthCase {
  return { name, object: withStatus(base, jobStatus(base, observed, now)), ...want };
}

const progressing = (reason: string): Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'> => ({ kstatus: 'InProgress', argocd: 'Progressing', reason });
const failed = (reason: string): Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'> => ({ kstatus: 'Failed', argocd: 'Degraded', reason });
const done = (reason: string): Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'> => ({ kstatus: 'Current', argocd: 'Healthy', reason });

function jobRunCases(): HealthCase[] {
  return [
    jobCase('pending', run({}), progressing('Pending')),
    jobCase('queued', run({ batchJob: observedBatchJob().suspended().obj() }), progressing('Queued')),
    jobCase('pending-unschedulable', run({ batchJob: running().obj(), pods: [observedPod().unschedulable('0/6 nodes are available: 6 Insufficient nvidia.com/gpu.').obj()] }), progressing('Unschedulable')),
    jobCase('pending-preempted', run({ batchJob: running().obj(), pods: [observedPod().disrupted().obj()] }), progressing('Preempted')),
    jobCase('pending-imagepullbackoff', run({ batchJob: running().obj(), pods: [observedPod().waiting('ImagePullBackOff', 'Back-off pulling image "local/sim:1"').obj()] }), failed('ImagePullBackOff')),
    jobCase('downloading', run({ batchJob: running().obj(), pods: [observedPod().on('n1').initRunning(moverContainerNames.pull).obj()] }), progressing('Downloading')),
    jobCase('running', run({ batchJob: running().obj(), pods: [observedPod().on('n1').phase('Running').obj()] }), progressing('Running')),
    jobCase('running-retrying', run({ batchJob: running().counts({ failed: 1 }).obj(), pods: [observedPod().on('n1').phase('Failed').obj()] }), progressing('Retrying')),
    jobCase('uploading', run({ batchJob: observedBatchJob().obj(), pods: [observedPod().on('n1').sidecarRunning().mainExited(0).obj()] }), progressing('Uploading')),
    jobCase('running-spec-changed-after-start', run({ batchJob: observedBatchJob().obj(), pods: [observedPod().on('n1').phase('Running').obj()], specChangedAfterStart: true }), progressing('Running')),
    jobCase('succeeded', run({ batchJob: complete, pods: [observedPod().exited(0).obj()] }), done('Completed')),
    jobCase('failed-oomkilled', run({ batchJob: failedWith('PodFailurePolicy', { failed: 1 }), pods: [observedPod().exited(137, 'OOMKilled').obj()] }), failed('OOMKilled')),
    jobCase('failed-containercrashed', run({ batchJob: failedWith('PodFailurePolicy', { failed: 1 }), pods: [observedPod().exited(42).obj()] }), failed('ContainerCrashed')),
    jobCase('failed-deadlineexceeded', run({ batchJob: failedWith('DeadlineExceeded', { failed: 0 }, 'Job was active longer than specified deadline') }), failed('DeadlineExceeded')),
    jobCase('failed-backofflimitexceeded', run({ batchJob: failedWith('BackoffLimitExceeded', { failed: 3 }), pods: [observedPod().exited(1).obj()] }), failed('BackoffLimitExceeded')),
  ];
}

function jobResultCases(): HealthCase[] {
  const lostResult = run({ batchJob: complete, pods: [observedPod().exited(0).obj()], expectsResult: true });
  const withRetry = makeJob('train').outputs('model').retries(1).status({ phase: 'Running', attempts: 1 }).obj();
  const lastTry = makeJob('train').outputs('model').obj();
  const canceling = makeJob('train').spec({ cancel: true }).obj();
  return [
    jobCase('running-resultmissing-retrying', lostResult, progressing('ResultMissing'), withRetry),
    jobCase('failed-resultmissing', lostResult, failed('ResultMissing'), lastTry),
    jobCase('canceling', run({ batchJob: running().obj() }), progressing('Canceling'), canceling),
    jobCase('canceled', run({}), done('Canceled'), canceling),
  ];
}

/** Jobs whose status is decided before a run: resolution, refusal, invalid spec, a squatted name. */
function jobBeforeRunCases(): HealthCase[] {
  const resolved = (name: string, resolution: Resolution, want: Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'>): HealthCase => ({
    name,
    object: withStatus(job(), resolutionStatus(job(), resolution, now)),
    ...want,
  });
  const refused = (reason: string): Resolution => ({ kind: 'refused', reason, message: `input data: ${reason}` });
  return [
    resolved('pending-inputnotready', { kind: 'waiting', message: 'input data: Dataset team-a/cifar not found' }, progressing('InputNotReady')),
    resolved('failed-unauthorized', refused('Unauthorized'), failed('Unauthorized')),
    resolved('failed-inputnotfound', refused('InputNotFound'), failed('InputNotFound')),
    resolved('failed-codenotapproved', refused('CodeNotApproved'), failed('CodeNotApproved')),
    { name: 'failed-invalidspec', object: withStatus(job(), invalidSpecStatus(job(), [{ path: ['resources', 'gpu'], message: 'Too small' }], now)), ...failed('InvalidSpec') },
    { name: 'failed-refused-by-the-api-server', object: withStatus(job(), refusedStatus(job(), 'Job.batch "x" is invalid', now)), ...failed('InvalidSpec') },
    { name: 'pending-nametaken', object: withStatus(job(), nameTakenStatus(job(), 'train-run-0', now)), ...failed('NameTaken') },
  ];
}

function summary(counts: Partial<TaskCounts>, fields: Partial<TaskSummary> = {}): TaskSummary {
  const full = { pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0, ...counts };
  const total = Object.values(full).reduce((a, b) => a + b, 0);
  return { counts: { ...full, total }, missing: [], waitingOnMissing: 0, failed: [], failedWithoutJob: [], performances: [], ...fields };
}

/** A ComputePlan in the situation `s`, from planStatus. */
function planCase(name: string, s: Partial<PlanSituation> & { summary: TaskSummary }, want: Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'>): HealthCase {
  const plan = makePlan().obj();
  return { name, object: withStatus(plan, planStatus(plan, { suspended: false, ...s }, now)), ...want };
}

function planCases(): HealthCase[] {
  const missing = { missing: ['dataset org-b/ghost'], waitingOnMissing: 1 };
  const deleting = planCase('deleting', { summary: summary({ running: 1 }) }, { kstatus: 'Terminating', argocd: 'Progressing' });
  deleting.object.metadata = { ...deleting.object.metadata, deletionTimestamp: '2026-01-01T01:00:00Z', finalizers: [planFinalizer] };
  return [
    planCase('pending', { summary: summary({ pending: 3 }) }, progressing('Pending')),
    planCase('running', { summary: summary({ running: 1, queued: 1, succeeded: 1 }) }, progressing('Running')),
    planCase('running-dependencynotfound', { summary: summary({ running: 1, pending: 1 }, missing) }, progressing('Running')),
    planCase('pending-dependencynotfound', { summary: summary({ pending: 1 }, missing) }, failed('DependencyNotFound')),
    planCase('running-retrying', { summary: summary({ failed: 1, canceled: 1 }), retrying: 2 }, progressing('Retrying')),
    planCase('running-failfast', { summary: summary({ failed: 1, running: 2 }, { failed: ['a (OOMKilled)'] }), stop: 'failedFast' }, progressing('TaskFailed')),
    planCase('running-canceling', { summary: summary({ running: 1, canceled: 2 }), stop: 'canceled' }, progressing('Canceled')),
    planCase('running-suspending', { summary: summary({ pending: 2, running: 1 }), suspended: true }, progressing('Suspended')),
    planCase('suspended', { summary: summary({ pending: 2, succeeded: 1 }), suspended: true }, { kstatus: 'InProgress', argocd: 'Suspended', reason: 'Suspended' }),
    planCase('succeeded', { summary: summary({ succeeded: 2 }) }, done('Succeeded')),
    planCase('canceled', { summary: summary({ succeeded: 1, canceled: 2 }) }, done('Canceled')),
    planCase('failed-taskfailed', { summary: summary({ succeeded: 1, failed: 1 }, { failed: ['a (OOMKilled)'] }) }, failed('TaskFailed')),
    planCase('failed-unauthorized', { summary: summary({ failed: 1 }, { failed: ['t (Unauthorized)'], refusal: { reason: 'Unauthorized', message: 'task t: Dataset org-b/d does not authorize namespace org-a' } }) }, failed('Unauthorized')),
    planCase('failed-cycledetected', { summary: summary({ pending: 2 }), halt: { reason: 'CycleDetected', message: 'a -> b -> a' } }, failed('CycleDetected')),
    planCase('failed-invalidspec', { summary: summary({ pending: 2 }), halt: { reason: 'InvalidSpec', message: 'task r1-aggregate: no such input' } }, failed('InvalidSpec')),
    deleting,
  ];
}

function datasetCase(name: string, check: SourceCheck, want: Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'>): HealthCase {
  const dataset: Dataset = { ...makeInputDataset('cifar').obj(), status: undefined };
  return { name, object: withStatus(dataset, datasetStatus(dataset, check, now)), ...want };
}

function datasetCases(): HealthCase[] {
  const problem = (reason: string, final: boolean): SourceCheck => ({ kind: 'problem', reason, message: `the file set: ${reason}`, final });
  return [
    datasetCase('ready', { kind: 'found', digest: `sha256:${'a'.repeat(64)}`, files: 3, bytes: 1024 }, done('Indexed')),
    datasetCase('importing', { kind: 'importing', message: 'Job cifar-import-1 imports https://example.com/cifar.tar' }, progressing('Importing')),
    datasetCase('notfound', problem('NotFound', false), progressing('NotFound')),
    datasetCase('unauthorized', problem('Unauthorized', false), progressing('Unauthorized')),
    datasetCase('unsafefileset', problem('UnsafeFileSet', true), failed('UnsafeFileSet')),
    datasetCase('corruptfileset', problem('CorruptFileSet', true), failed('CorruptFileSet')),
    datasetCase('importfailed', problem('ImportFailed', true), failed('ImportFailed')),
    datasetCase('noobjectstore', problem('NoObjectStore', true), failed('NoObjectStore')),
  ];
}

function algoCase(name: string, check: CodeCheck, specProblem: string | undefined, want: Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'>): HealthCase {
  const algo: Algo = { ...makeReadyAlgo('train').spec({ code: { digest: `sha256:${'b'.repeat(64)}` } }).obj(), status: undefined };
  return { name, object: withStatus(algo, algoStatus(algo, check, specProblem, now)), ...want };
}

function algoCases(): HealthCase[] {
  return [
    algoCase('ready', 'ok', undefined, done('Ready')),
    algoCase('codenotfound', 'missing', undefined, progressing('CodeNotFound')),
    algoCase('unauthorized', 'ungranted', undefined, progressing('Unauthorized')),
    algoCase('invalidspec', 'none', 'spec.image: Too small', failed('InvalidSpec')),
    algoCase('unsafefileset', { unusable: { reason: 'UnsafeFileSet', message: 'file set x has an unsafe path "../x"' } }, undefined, failed('UnsafeFileSet')),
    algoCase('corruptfileset', { unusable: { reason: 'CorruptFileSet', message: 'file set x is not a valid manifest' } }, undefined, failed('CorruptFileSet')),
  ];
}

/** A Predictor of two replicas whose Deployment reports `deployment` (none: not made yet), from predictorStatus. */
function predictorCase(name: string, outcome: PredictorObservation['outcome'], deployment: Parameters<typeof observedDeployment>[2] | undefined, want: Pick<HealthCase, 'kstatus' | 'argocd' | 'reason'>): HealthCase {
  const predictor = makePredictor().spec({ replicas: 2 }).obj();
  const observed = deployment && observedDeployment(predictor, 'h', deployment);
  return { name, object: withStatus(predictor, predictorStatus(predictor, { outcome, deployment: observed, upToDate: true }, now)), ...want };
}

function predictorCases(): HealthCase[] {
  const resolved: PredictorObservation['outcome'] = { kind: 'ready', resolved: { model: { digest: modelDigest(), source: 'job team-a/train/model' }, server: { image: 'serve:1' } } };
  const stuck = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "serve-predictor-h" has timed out progressing.' };
  return [
    predictorCase('pending', resolved, undefined, progressing('Waiting')),
    predictorCase('pending-modelnotready', { kind: 'waiting', reason: 'ModelNotReady', message: 'Job team-a/train is Running' }, undefined, progressing('ModelNotReady')),
    predictorCase('rolling', resolved, { replicas: 2, updatedReplicas: 1, readyReplicas: 1 }, progressing('Rolling')),
    predictorCase('ready', resolved, { replicas: 2, updatedReplicas: 2, readyReplicas: 2 }, done('Serving')),
    predictorCase('failed-rolloutstalled', resolved, { replicas: 2, updatedReplicas: 1, readyReplicas: 1, conditions: [stuck] }, failed('RolloutStalled')),
    predictorCase('failed-notauthorized', { kind: 'refused', reason: 'NotAuthorized', message: 'namespace team-a does not hold file set x' }, undefined, failed('NotAuthorized')),
    predictorCase('failed-invalidspec', { kind: 'refused', reason: 'InvalidSpec', message: 'spec.image: Too small' }, undefined, failed('InvalidSpec')),
  ];
}

/** Every case, by kind. */
export function healthCases(): Record<'Job' | 'ComputePlan' | 'Dataset' | 'Algo' | 'Predictor', HealthCase[]> {
  return {
    Job: [...jobRunCases(), ...jobResultCases(), ...jobBeforeRunCases()],
    ComputePlan: planCases(),
    Dataset: datasetCases(),
    Algo: algoCases(),
    Predictor: predictorCases(),
  };
}

/** The case's object with a spec change the operator has not seen yet: generation one past observedGeneration. */
export function staleGeneration(c: HealthCase): HealthCase {
  const object = structuredClone(c.object);
  object.metadata.generation = (object.status?.observedGeneration ?? 0) + 1;
  return { name: `${c.name}-generation-not-observed`, object, kstatus: 'InProgress', argocd: 'Progressing' };
}
