import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob } from '../../src/api/job.ts';
import type { Predictor, PredictorSpec, PredictorStatus } from '../../src/api/predictor.ts';
import { digestOf } from './digest.ts';

// Builders for Predictors, the Jobs whose outputs they serve and the Deployments they stand on, so
// a test states only what differs: `makePredictor().spec({ replicas: 2 }).obj()`.

export { digestOf };

/** A Predictor `serve` in team-a serving Job `train`'s model with image local/serve:1. */
export class PredictorBuilder {
  private readonly predictor: Predictor;

  constructor(name: string, namespace: string) {
    this.predictor = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Predictor',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1, resourceVersion: '1' },
      spec: { model: { job: { name: 'train' } }, image: 'local/serve:1', command: ['node', 'serve.js'] },
    };
  }

  spec(fields: Partial<PredictorSpec>): this {
    Object.assign(this.predictor.spec, fields);
    return this;
  }

  status(fields: Partial<PredictorStatus>): this {
    this.predictor.status = { phase: 'Pending', ...this.predictor.status, ...fields };
    return this;
  }

  annotations(annotations: Record<string, string>): this {
    this.predictor.metadata.annotations = annotations;
    return this;
  }

  obj(): Predictor {
    return structuredClone(this.predictor);
  }
}

/** A Predictor named `name` in `namespace`. */
export const makePredictor = (name = 'serve', namespace = 'team-a'): PredictorBuilder => new PredictorBuilder(name, namespace);

/** A Tessera Job in `phase` with the given outputs (name → digest). */
export function producerJob(name: string, phase: string, outputs: Record<string, string>, namespace = 'team-a'): TesseraJob {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace, uid: `uid-${name}` },
    spec: { image: 'local/train:1' },
    status: { phase: phase as 'Succeeded', outputs: Object.entries(outputs).map(([output, digest]) => ({ name: output, digest, files: 1, bytes: 10 })) },
  };
}

/** A Deployment as the cache holds it: its metadata and status. */
export function observedDeployment(predictor: Predictor, hash: string, status: k8s.V1DeploymentStatus, generation = 1): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${predictor.metadata.name}-predictor`,
      namespace: predictor.metadata.namespace,
      generation,
      resourceVersion: '5',
      annotations: { 'tessera.dev/spec-hash': hash },
      ownerReferences: [{ apiVersion: 'tessera.dev/v1alpha1', kind: 'Predictor', name: predictor.metadata.name, uid: predictor.metadata.uid ?? '', controller: true }],
    },
    spec: { replicas: predictor.spec.replicas ?? 1 } as k8s.V1DeploymentSpec,
    status: { observedGeneration: generation, ...status },
  };
}

/** A model digest for tests. */
export const modelDigest = (name = 'model-a'): string => digestOf(name);
