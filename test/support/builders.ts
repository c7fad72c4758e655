import type * as k8s from '@kubernetes/client-node';

// Fluent builders for the objects tests create (after Kueue's testing wrappers): a test states only
// what matters to it, e.g. `makePod('a').gpu(2).tolerateGpu().obj()`.

const gpuToleration: k8s.V1Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

/** A Pod with one container and no resource requests. */
export class PodBuilder {
  private readonly pod: k8s.V1Pod;

  constructor(name: string) {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations: {} },
      spec: { containers: [{ name: 'main', image: 'local/sim:1' }] },
    };
  }

  gpu(count: number): this {
    const container = this.pod.spec!.containers[0]!;
    const gpus = { 'nvidia.com/gpu': String(count) };
    container.resources = { requests: gpus, limits: gpus };
    return this;
  }

  tolerateGpu(): this {
    this.pod.spec!.tolerations = [gpuToleration];
    return this;
  }

  obj(): k8s.V1Pod {
    return structuredClone(this.pod);
  }
}

/** A batch/v1 Job of one pod that kwok runs for `runFor` and ends with `exitCode`. */
export class BatchJobBuilder {
  private readonly job: k8s.V1Job;

  constructor(name: string) {
    this.job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { annotations: { 'sim.tessera.dev/run-for': '1s' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'local/sim:1' }] },
        },
      },
    };
  }

  runFor(duration: string): this {
    this.annotations()['sim.tessera.dev/run-for'] = duration;
    return this;
  }

  exitCode(code: number, reason?: string): this {
    this.annotations()['sim.tessera.dev/exit-code'] = String(code);
    if (reason) this.annotations()['sim.tessera.dev/reason'] = reason;
    return this;
  }

  backoffLimit(limit: number): this {
    this.job.spec!.backoffLimit = limit;
    return this;
  }

  obj(): k8s.V1Job {
    return structuredClone(this.job);
  }

  private annotations(): Record<string, string> {
    return this.job.spec!.template.metadata!.annotations!;
  }
}

export const makePod = (name: string): PodBuilder => new PodBuilder(name);
export const makeBatchJob = (name: string): BatchJobBuilder => new BatchJobBuilder(name);
