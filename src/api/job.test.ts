import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tesseraJobSchema, tesseraJobSpecSchema, tesseraJobStatusSchema, type TesseraJobSpec } from './job.ts';

function spec(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { image: 'local/trainer:1', ...fields };
}

describe('tesseraJobSchema', () => {
  it('accepts a full Job as the API server returns it, keeping unknown metadata', () => {
    const job = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Job',
      metadata: { name: 'train', namespace: 'team-a', uid: 'u1', generation: 3, creationTimestamp: '2025-01-01T00:00:00Z' },
      spec: spec({
        command: ['python', 'train.py'],
        env: [{ name: 'EPOCHS', value: '3' }],
        resources: { cpu: '500m', memory: '16Gi', gpu: 2, gpuProduct: 'NVIDIA-A100-SXM4-80GB' },
        retries: 1,
        timeoutSeconds: 600,
        nodeSelector: { pool: 'gpu' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        failOnExitCodes: [2, 3],
      }),
      status: {
        phase: 'Running',
        reason: 'Running',
        attempts: 1,
        startTime: '2025-01-01T00:00:01.000Z',
        conditions: [{ type: 'Ready', status: 'False', reason: 'Running', message: '', lastTransitionTime: '2025-01-01T00:00:01.000Z', observedGeneration: 3 }],
      },
    };
    const parsed = tesseraJobSchema.parse(job);
    expect(parsed.metadata.creationTimestamp).toBe('2025-01-01T00:00:00Z');
    expect(parsed.spec.resources?.gpu).toBe(2);
  });

  it('accepts quantities as integers or quantity strings', () => {
    for (const cpu of [2, '2', '500m', '1.5', '1e3']) {
      expect(tesseraJobSpecSchema.safeParse(spec({ resources: { cpu, memory: '4Gi' } })).success, String(cpu)).toBe(true);
    }
  });

  it('leaves retries unset: the CRD defaults it to 0, and the parsed type says it may be absent', () => {
    const parsed: TesseraJobSpec = tesseraJobSpecSchema.parse(spec());
    expect(parsed.retries).toBeUndefined();
  });

  it('accepts prefixed label keys in a nodeSelector and tolerations', () => {
    const ok = spec({ nodeSelector: { 'topology.kubernetes.io/zone': 'eu-west-1a', pool: 'gpu' }, tolerations: [{ key: 'example.com/team', value: 'a_b.c', effect: 'NoExecute', tolerationSeconds: 30 }] });
    expect(tesseraJobSpecSchema.safeParse(ok).success).toBe(true);
  });

  it('accepts an algoRef in place of an image', () => {
    expect(tesseraJobSpecSchema.safeParse({ algoRef: { name: 'train' } }).success).toBe(true);
  });
});

describe('tesseraJobSpecSchema rejects bad specs with readable messages', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; wantPath: string; wantMessage: RegExp }> = [
    { name: 'negative gpu', spec: spec({ resources: { gpu: -1 } }), wantPath: 'resources.gpu', wantMessage: />=0/ },
    { name: 'too many gpus', spec: spec({ resources: { gpu: 65 } }), wantPath: 'resources.gpu', wantMessage: /<=64/ },
    { name: 'fractional gpu', spec: spec({ resources: { gpu: 0.5 } }), wantPath: 'resources.gpu', wantMessage: /expected int/ },
    { name: 'cpu of "lots"', spec: spec({ resources: { cpu: 'lots' } }), wantPath: 'resources.cpu', wantMessage: /Kubernetes quantity/ },
    { name: 'negative memory', spec: spec({ resources: { memory: -1 } }), wantPath: 'resources.memory', wantMessage: /Kubernetes quantity/ },
    { name: 'memory of true', spec: spec({ resources: { memory: true } }), wantPath: 'resources.memory', wantMessage: /Kubernetes quantity/ },
    { name: 'both image and algoRef', spec: spec({ algoRef: { name: 'a' } }), wantPath: '', wantMessage: /exactly one of image or algoRef/ },
    { name: 'neither image nor algoRef', spec: { retries: 1 }, wantPath: '', wantMessage: /exactly one of image or algoRef/ },
    { name: 'too many retries', spec: spec({ retries: 21 }), wantPath: 'retries', wantMessage: /<=20/ },
    { name: 'zero timeout', spec: spec({ timeoutSeconds: 0 }), wantPath: 'timeoutSeconds', wantMessage: />=1/ },
    { name: 'exit code 0', spec: spec({ failOnExitCodes: [0] }), wantPath: 'failOnExitCodes.0', wantMessage: />=1/ },
    { name: 'repeated exit code', spec: spec({ failOnExitCodes: [2, 2] }), wantPath: 'failOnExitCodes', wantMessage: /unique/ },
    { name: 'repeated env name', spec: spec({ env: [{ name: 'A' }, { name: 'A' }] }), wantPath: 'env', wantMessage: /unique/ },
    {
      name: 'Exists toleration with a value',
      spec: spec({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }),
      wantPath: 'tolerations.0',
      wantMessage: /operator Exists must not set value/,
    },
    { name: 'GPU product no label can hold', spec: spec({ resources: { gpuProduct: 'A100 80GB' } }), wantPath: 'resources.gpuProduct', wantMessage: /label value/ },
    { name: 'nodeSelector value with a space', spec: spec({ nodeSelector: { zone: 'eu west' } }), wantPath: 'nodeSelector.zone', wantMessage: /label value/ },
    { name: 'nodeSelector key with a space', spec: spec({ nodeSelector: { 'my zone': 'eu' } }), wantPath: 'nodeSelector', wantMessage: /label key/ },
    { name: 'toleration key no label can hold', spec: spec({ tolerations: [{ key: 'a b', operator: 'Exists' }] }), wantPath: 'tolerations.0.key', wantMessage: /label key/ },
    { name: 'toleration value no label can hold', spec: spec({ tolerations: [{ key: 'k', value: 'a b' }] }), wantPath: 'tolerations.0.value', wantMessage: /label value/ },
    { name: 'tolerationSeconds without NoExecute', spec: spec({ tolerations: [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }] }), wantPath: 'tolerations.0', wantMessage: /NoExecute/ },
    { name: 'image with a space', spec: spec({ image: 'local/train :1' }), wantPath: 'image', wantMessage: /without spaces/ },
    { name: 'disk of "lots"', spec: spec({ resources: { disk: 'lots' } }), wantPath: 'resources.disk', wantMessage: /Kubernetes quantity/ },
    { name: 'upper-case service account', spec: spec({ serviceAccountName: 'Trainer' }), wantPath: 'serviceAccountName', wantMessage: /DNS subdomain/ },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const result = tesseraJobSpecSchema.safeParse(c.spec);
      expect(result.success).toBe(false);
      const issues = result.error?.issues ?? [];
      const issue = issues.find((i) => i.path.map(String).join('.') === c.wantPath);
      expect(issue, z.prettifyError(result.error!)).toBeDefined();
      expect(issue?.message).toMatch(c.wantMessage);
    });
  }
});

describe('tesseraJobStatusSchema', () => {
  const now = '2025-01-01T00:00:00.000Z';

  it('rejects a reason that is not PascalCase', () => {
    const result = tesseraJobStatusSchema.safeParse({ phase: 'Failed', reason: 'out of memory' });
    expect(result.error?.issues[0]).toMatchObject({ path: ['reason'], message: expect.stringMatching(/PascalCase/) as unknown });
  });

  it('rejects an unknown phase', () => {
    expect(tesseraJobStatusSchema.safeParse({ phase: 'Finished' }).success).toBe(false);
  });

  it('rejects two conditions of one type', () => {
    const ready = { type: 'Ready', status: 'True', reason: 'Completed', message: '', lastTransitionTime: now };
    const result = tesseraJobStatusSchema.safeParse({ phase: 'Succeeded', conditions: [ready, ready] });
    expect(result.error?.issues[0]?.message).toMatch(/condition types must be unique/);
  });

  it('rejects a transition time that is not RFC 3339', () => {
    const result = tesseraJobStatusSchema.safeParse({ phase: 'Pending', startTime: 'yesterday' });
    expect(result.error?.issues[0]?.path).toEqual(['startTime']);
  });
});
