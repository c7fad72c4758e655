import { describe, expect, it } from 'vitest';
import { predictorSchema, predictorSpecSchema } from './predictor.ts';
import { digestOf } from '../../test/support/digest.ts';

const model = { job: { name: 'train' } };

describe('predictorSpecSchema', () => {
  it('accepts a Job output, a plan task output or a digest, with an image or an Algo', () => {
    for (const spec of [
      { model, image: 'local/serve:1', command: ['node', 'serve.js'], port: 9000, replicas: 2, resources: { cpu: 1, memory: '1Gi', gpu: 1 } },
      { model: { job: { name: 'train', output: 'weights' } }, algo: { name: 'serve' } },
      { model: { plan: { name: 'fl', task: 'aggregate-3', output: 'model' } }, image: 'local/serve:1' },
      { model: { digest: digestOf('m') }, image: 'local/serve:1' },
    ]) {
      expect(predictorSpecSchema.safeParse(spec).success, JSON.stringify(spec)).toBe(true);
    }
  });

  it.each([
    ['no model source', { model: {}, image: 'i' }, 'exactly one of job, plan or digest'],
    ['two model sources', { model: { job: { name: 'train' }, digest: digestOf('m') }, image: 'i' }, 'exactly one of job, plan or digest'],
    ['neither image nor algo', { model }, 'exactly one of image or algo'],
    ['both image and algo', { model, image: 'i', algo: { name: 'serve' } }, 'exactly one of image or algo'],
    ['a malformed digest', { model: { digest: 'sha256:xyz' }, image: 'i' }, 'must be a digest'],
    ['port 0', { model, image: 'i', port: 0 }, ''],
    ['a negative replica count', { model, image: 'i', replicas: -1 }, ''],
    ['a GPU count that is no integer', { model, image: 'i', resources: { gpu: 0.5 } }, ''],
  ])('refuses %s', (_name, spec, message) => {
    const parsed = predictorSpecSchema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });

  it('leaves port and replicas unset: the CRD defaults them, the controller reads 8080 and 1', () => {
    const parsed = predictorSpecSchema.parse({ model, image: 'i' });
    expect(parsed.port).toBeUndefined();
    expect(parsed.replicas).toBeUndefined();
  });

  it('parses a whole Predictor with its status', () => {
    const parsed = predictorSchema.parse({
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Predictor',
      metadata: { name: 'serve', namespace: 'team-a' },
      spec: { model, image: 'i' },
      status: { phase: 'Ready', replicas: 1, readyReplicas: 1, modelDigest: digestOf('m'), endpoint: 'http://serve-predictor.team-a.svc:8080' },
    });
    expect(parsed.status?.phase).toBe('Ready');
  });
});
