import type * as k8s from '@kubernetes/client-node';
import type { Algo, AlgoIO } from '../../src/api/algo.ts';
import type { Dataset } from '../../src/api/dataset.ts';
import type { JobInput, TesseraJob } from '../../src/api/job.ts';
import { namedNamespaces } from '../../src/controllers/dataset/authorizations.ts';
import { resolveRun, type EffectiveRun, type ResolveLookups } from '../../src/controllers/job/resolve.ts';
import { digestOf } from './digest.ts';

// Builders for Tessera Jobs and for the batch Jobs and pods the cluster reports back about them,
// so a table test states only what differs, e.g. `makeJob('train').gpu(2).retries(1).obj()`.

/** A Tessera Job running `local/sim:1`, with a uid and generation 1. */
export class TesseraJobBuilder {
  private readonly job: TesseraJob;

  constructor(name: string, namespace = 'team-a') {
    this.job = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Job',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
      spec: { image: 'local/sim:1' },
    };
  }

  gpu(count: number, product?: string): this {
    this.job.spec.resources = { ...this.job.spec.resources, gpu: count, ...(product ? { gpuProduct: product } : {}) };
    return this;
  }

  cpu(cpu: string, memory: string): this {
    this.job.spec.resources = { ...this.job.spec.resources, cpu, memory };
    return this;
  }

  retries(count: number): this {
    this.job.spec.retries = count;
    return this;
  }

  spec(fields: Partial<TesseraJob['spec']>): this {
    Object.assign(this.job.spec, fields);
    return this;
  }

  annotate(key: string, value: string): this {
    this.job.metadata.annotations = { ...this.job.metadata.annotations, [key]: value };
    return this;
  }

  label(key: string, value: string): this {
    this.job.metadata.labels = { ...this.job.metadata.labels, [key]: value };
    return this;
  }

  /** Runs Algo `name` instead of an image. */
  algo(name: string): this {
    delete this.job.spec.image;
    this.job.spec.algoRef = { name };
    return this;
  }

  /** Reads Dataset `dataset` (of the Job's namespace unless given) as input `name`. */
  datasetInput(name: string, dataset: string, opts: { namespace?: string; version?: number } = {}): this {
    return this.input({ name, dataset: { name: dataset, ...opts } });
  }

  /** Reads output `output` of Job `job` as input `name`. */
  jobOutputInput(name: string, job: string, output: string): this {
    return this.input({ name, jobOutput: { job, output } });
  }

  /** Reads the file set `digest` as input `name`. */
  fileSetInput(name: string, digest: string): this {
    return this.input({ name, fileSet: { digest } });
  }

  input(input: JobInput): this {
    this.job.spec.inputs = [...(this.job.spec.inputs ?? []), input];
    return this;
  }

  outputs(...names: string[]): this {
    this.job.spec.outputs = names.map((name) => ({ name }));
    return this;
  }

  code(digest: string): this {
    this.job.spec.code = { digest };
    return this;
  }

  status(fields: Partial<NonNullable<TesseraJob['status']>>): this {
    this.job.status = { phase: 'Pending', ...this.job.status, ...fields };
    return this;
  }

  obj(): TesseraJob {
    return structuredClone(this.job);
  }
}

/** A batch Job as the Job controller reports it. */
export class ObservedBatchJobBuilder {
  private readonly job: k8s.V1Job = { metadata: { name: 'train-run-1', uid: 'batch-uid' }, spec: { template: {} }, status: {} };

  condition(type: 'Complete' | 'Failed', reason = '', message = ''): this {
    this.job.status!.conditions = [
      ...(this.job.status!.conditions ?? []),
      { type, status: 'True', reason, message, lastTransitionTime: new Date('2026-01-01T00:10:00Z') },
    ];
    return this;
  }

  counts(counts: { active?: number; failed?: number; succeeded?: number }): this {
    Object.assign(this.job.status!, counts);
    return this;
  }

  started(at: string): this {
    this.job.status!.startTime = new Date(at);
    return this;
  }

  completed(at: string): this {
    this.job.status!.completionTime = new Date(at);
    return this;
  }

  suspended(): this {
    this.job.spec!.suspend = true;
    return this;
  }

  /** Created by (controlled by) the Tessera Job `owner`, in its namespace. */
  controlledBy(owner: TesseraJob): this {
    this.job.metadata!.namespace = owner.metadata.namespace;
    this.job.metadata!.ownerReferences = [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller: true }];
    return this;
  }

  obj(): k8s.V1Job {
    return structuredClone(this.job);
  }
}

/** A pod of a run, in the state kwok or a kubelet would report. */
export class ObservedPodBuilder {
  private readonly pod: k8s.V1Pod;

  constructor(name = 'train-run-1-abcde', created = '2026-01-01T00:00:00Z') {
    this.pod = { metadata: { name, creationTimestamp: new Date(created) }, spec: { containers: [{ name: 'main' }] }, status: { phase: 'Pending' } };
  }

  on(node: string): this {
    this.pod.spec!.nodeName = node;
    return this;
  }

  phase(phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed'): this {
    this.pod.status!.phase = phase;
    return this;
  }

  unschedulable(message: string): this {
    this.pod.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }];
    return this;
  }

  disrupted(): this {
    this.pod.status!.conditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'preempted' }];
    return this;
  }

  waiting(reason: string, message = ''): this {
    this.pod.status!.containerStatuses = [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } }];
    return this;
  }

  exited(exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): this {
    this.pod.status!.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
    return this.mainExited(exitCode, reason);
  }

  /** The main container has terminated; the pod's phase is left as it is (a sidecar may still run). */
  mainExited(exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): this {
    this.pod.status!.containerStatuses = [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason } } }];
    return this;
  }

  /** The init container `name` is running; the others reported are kept. */
  initRunning(name: string): this {
    const others = (this.pod.status!.initContainerStatuses ?? []).filter((c) => c.name !== name);
    const running: k8s.V1ContainerStatus = { name, image: 'mover', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: new Date('2026-01-01T00:00:05Z') } } };
    this.pod.status!.initContainerStatuses = [...others, running];
    return this;
  }

  /** The init container `name` waits, e.g. for its image; main waits for it (PodInitializing). */
  initWaiting(name: string, reason: string, message = ''): this {
    this.pod.status!.initContainerStatuses = [{ name, image: 'mover', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } }];
    this.pod.status!.containerStatuses = [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }];
    return this;
  }

  /** The push sidecar runs (the pull init container finished): the pod is Running. */
  sidecarRunning(): this {
    const pulled: k8s.V1ContainerStatus = { name: 'pull', image: 'mover', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    this.pod.status!.initContainerStatuses = [pulled];
    this.pod.status!.phase = 'Running';
    return this.initRunning('push');
  }

  /** The push sidecar has exited after committing; the pod's phase is left as it is. */
  sidecarExited(): this {
    const pushed: k8s.V1ContainerStatus = { name: 'push', image: 'mover', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    this.pod.status!.initContainerStatuses = [...(this.pod.status!.initContainerStatuses ?? []).filter((c) => c.name !== 'push'), pushed];
    return this;
  }

  /** The init container `name` (a mover) has exited with `exitCode`, its termination message `message` (the end of its log). */
  initExited(name: string, exitCode: number, message?: string): this {
    const exited: k8s.V1ContainerStatus = { name, image: 'mover', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', message } } };
    this.pod.status!.initContainerStatuses = [...(this.pod.status!.initContainerStatuses ?? []).filter((c) => c.name !== name), exited];
    return this;
  }

  uid(uid: string): this {
    this.pod.metadata!.uid = uid;
    return this;
  }

  /** Labelled as a pod of the Tessera Job `job` (name and uid), as the batch Job's template labels it. */
  labelledFor(job: TesseraJob): this {
    this.pod.metadata!.namespace = job.metadata.namespace;
    this.pod.metadata!.labels = { ...this.pod.metadata!.labels, 'tessera.dev/job': job.metadata.name, 'tessera.dev/job-uid': job.metadata.uid ?? '' };
    return this;
  }

  /** Controlled by the batch Job `owner`. */
  controlledBy(owner: k8s.V1Job): this {
    this.pod.metadata!.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true }];
    return this;
  }

  obj(): k8s.V1Pod {
    return structuredClone(this.pod);
  }
}

/** The digest of version `version` of the Dataset `namespace/name`, as InputDatasetBuilder records it. */
export function datasetDigest(name: string, version: number, namespace = 'team-a'): string {
  return digestOf(`${namespace}/${name}@v${version}`);
}

const readyCondition = { type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '2026-01-01T00:00:00.000Z' } as const;
const notReadyCondition = { ...readyCondition, status: 'False', reason: 'Indexing' } as const;

/** A Dataset a Job reads: Ready at version 1 (digest `datasetDigest(name, 1)`), readable only in its own namespace. */
export class InputDatasetBuilder {
  private readonly dataset: Dataset;

  constructor(name: string, namespace: string) {
    this.dataset = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
      spec: { source: { fileSet: { digest: datasetDigest(name, 1, namespace) } } },
    };
    this.versions(1);
  }

  /** At version `current`, keeping the latest 10 versions in its history, newest first. */
  versions(current: number): this {
    const { name, namespace = '' } = this.dataset.metadata;
    const history = Array.from({ length: Math.min(current, 10) }, (_, i) => current - i).map((version) => ({
      version,
      digest: datasetDigest(name, version, namespace),
      files: 1,
      bytes: 1,
    }));
    this.dataset.status = { ...this.dataset.status, version: current, digest: history[0]!.digest, files: 1, bytes: 1, history, conditions: [readyCondition] };
    return this;
  }

  /** Ready False (e.g. a new import runs); its versions stay. */
  notReady(): this {
    this.dataset.status = { ...this.dataset.status, conditions: [notReadyCondition] };
    return this;
  }

  /** Never indexed: no version at all. */
  empty(): this {
    this.dataset.status = { conditions: [notReadyCondition] };
    return this;
  }

  public(): this {
    this.dataset.spec.permissions = { public: true };
    return this;
  }

  authorize(...namespaces: string[]): this {
    this.dataset.spec.permissions = { public: false, authorizedNamespaces: namespaces };
    return this;
  }

  testOnly(): this {
    this.dataset.spec.testOnly = true;
    return this;
  }

  spec(fields: Partial<Dataset['spec']>): this {
    Object.assign(this.dataset.spec, fields);
    return this;
  }

  /** status.authorizations as given, instead of what the controller would record (each named namespace at testNamespaceUid). */
  recorded(authorizations: Array<{ namespace: string; uid: string }>): this {
    this.authorizations = authorizations;
    return this;
  }

  private authorizations: Array<{ namespace: string; uid: string }> | undefined;

  obj(): Dataset {
    const dataset = structuredClone(this.dataset);
    const recorded = this.authorizations ?? namedNamespaces(dataset).map((namespace) => ({ namespace, uid: testNamespaceUid(namespace) }));
    if (recorded.length > 0) dataset.status = { ...dataset.status, authorizations: recorded };
    return dataset;
  }
}

/** An Algo a Job runs: Ready, category train, image `local/<name>:1`, no declared inputs or outputs. */
export class ReadyAlgoBuilder {
  private readonly algo: Algo;

  constructor(name: string, namespace: string) {
    this.algo = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Algo',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
      spec: { image: `local/${name}:1`, category: 'train' },
      status: { conditions: [readyCondition] },
    };
  }

  category(category: Algo['spec']['category']): this {
    this.algo.spec.category = category;
    return this;
  }

  inputs(...inputs: AlgoIO[]): this {
    this.algo.spec.inputs = inputs;
    return this;
  }

  outputs(...names: string[]): this {
    this.algo.spec.outputs = names.map((name) => ({ name }));
    return this;
  }

  spec(fields: Partial<Algo['spec']>): this {
    Object.assign(this.algo.spec, fields);
    return this;
  }

  notReady(): this {
    this.algo.status = { conditions: [{ ...readyCondition, status: 'False', reason: 'CodeNotFound' }] };
    return this;
  }

  status(fields: Partial<NonNullable<Algo['status']>>): this {
    this.algo.status = { ...this.algo.status, ...fields };
    return this;
  }

  obj(): Algo {
    return structuredClone(this.algo);
  }
}

/** The uid unit tests give the namespace `name` (the operator's cache, as a function). */
export const testNamespaceUid = (name: string): string => `nsuid-${name}`;

/** Lookups over a fixed set of objects, found by namespace and name. */
export function lookupsOf(objects: { datasets?: Dataset[]; jobs?: TesseraJob[]; algos?: Algo[] }): ResolveLookups {
  const find = <T extends { metadata: { name: string; namespace?: string } }>(list: T[] | undefined, namespace: string, name: string): T | undefined =>
    list?.find((o) => o.metadata.namespace === namespace && o.metadata.name === name);
  return {
    dataset: (namespace, name) => find(objects.datasets, namespace, name),
    job: (namespace, name) => find(objects.jobs, namespace, name),
    algo: (namespace, name) => find(objects.algos, namespace, name),
    namespaceUid: testNamespaceUid,
  };
}

export const makeJob = (name: string, namespace?: string): TesseraJobBuilder => new TesseraJobBuilder(name, namespace);
export const makeInputDataset = (name: string, namespace = 'team-a'): InputDatasetBuilder => new InputDatasetBuilder(name, namespace);
export const makeReadyAlgo = (name = 'train', namespace = 'team-a'): ReadyAlgoBuilder => new ReadyAlgoBuilder(name, namespace);
export const observedBatchJob = (): ObservedBatchJobBuilder => new ObservedBatchJobBuilder();
export const observedPod = (name?: string, created?: string): ObservedPodBuilder => new ObservedPodBuilder(name, created);

/** Lookups that find nothing: enough to resolve Jobs that name no Algo, Dataset or other Job. */
export const emptyLookups: ResolveLookups = { dataset: () => undefined, job: () => undefined, algo: () => undefined, namespaceUid: testNamespaceUid };

/** The effective run of a Job that needs no lookups; throws when it would wait or be refused. */
export function readyRun(job: TesseraJob, lookups: ResolveLookups = emptyLookups): EffectiveRun {
  const resolution = resolveRun(job, lookups);
  if (resolution.kind !== 'ready') throw new Error(`job ${job.metadata.name} does not resolve: ${resolution.message}`);
  return resolution.run;
}
