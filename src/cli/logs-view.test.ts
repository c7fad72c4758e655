import { describe, expect, it } from 'vitest';
import type { TesseraJob } from '../api/job.ts';
import { logTarget, savedLog } from './logs-view.ts';

function job(outputs?: Array<{ name: string; digest: string; files: number; bytes: number }>, phase = 'Succeeded'): TesseraJob {
  return { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'train', namespace: 'lab' }, spec: { image: 'x' }, status: { phase, outputs } } as unknown as TesseraJob;
}

describe('logTarget', () => {
  it.each([
    ['train', { kind: 'job', name: 'train' }],
    ['federated-lr/round-1-train-a', { kind: 'task', plan: 'federated-lr', task: 'round-1-train-a' }],
  ])('reads %s', (ref, target) => {
    expect(logTarget(ref)).toEqual(target);
  });

  it.each(['', 'a/', '/b', 'a/b/c'])('refuses %j', (ref) => {
    expect(() => logTarget(ref)).toThrow(/neither a Job name nor PLAN\/TASK/);
  });
});

describe('savedLog', () => {
  it('is the logs output, not another output', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(savedLog(job([{ name: 'model', digest: `sha256:${'b'.repeat(64)}`, files: 1, bytes: 9 }, { name: 'logs', digest, files: 1, bytes: 42 }]))).toEqual({ digest, bytes: 42 });
  });

  it('says why there is none and how to read the live log', () => {
    const answer = savedLog(job(undefined, 'Running'));
    expect(answer).toEqual({ missing: expect.stringContaining('Job lab/train has no saved log (phase Running)') as unknown });
    expect(answer).toEqual({ missing: expect.stringContaining('kubectl logs -n lab -l tessera.dev/job=train -c main') as unknown });
  });
});
