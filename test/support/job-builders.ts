import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob } from '../../src/api/job.ts';
import { resolveRun, type EffectiveRun, type ResolveLookups } from '../../src/controllers/job/resolve.ts';

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

  suspended(): this {
    this.job.spec!.suspend = true;
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
    this.pod.status!.containerStatuses = [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason } } }];
    return this;
  }

  obj(): k8s.V1Pod {
    return structuredClone(this.pod);
  }
}

export const makeJob = (name: string, namespace?: string): TesseraJobBuilder => new TesseraJobBuilder(name, namespace);
export const observedBatchJob = (): ObservedBatchJobBuilder => new ObservedBatchJobBuilder();
export const observedPod = (name?: string, created?: string): ObservedPodBuilder => new ObservedPodBuilder(name, created);

/** Lookups that find nothing: enough to resolve Jobs that name no Algo, Dataset or other Job. */
export const emptyLookups: ResolveLookups = { dataset: () => undefined, job: () => undefined, algo: () => undefined };

/** The effective run of a Job that needs no lookups; throws when it would wait or be refused. */
export function readyRun(job: TesseraJob, lookups: ResolveLookups = emptyLookups): EffectiveRun {
  const resolution = resolveRun(job, lookups);
  if (resolution.kind !== 'ready') throw new Error(`job ${job.metadata.name} does not resolve: ${resolution.message}`);
  return resolution.run;
}
