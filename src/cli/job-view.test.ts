import { describe, expect, it } from 'vitest';
import type { TesseraJob } from '../api/job.ts';
import { ageText, jobTable } from './job-view.ts';

const now = Date.parse('2026-01-02T00:00:00Z');

function job(namespace: string, name: string, status?: TesseraJob['status']): TesseraJob {
  return { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { namespace, name, creationTimestamp: '2026-01-01T23:00:00Z' }, spec: { image: 'i' }, ...(status ? { status } : {}) };
}

describe('ageText', () => {
  it.each([
    ['2026-01-01T23:59:15Z', '45s'],
    ['2026-01-01T23:48:00Z', '12m'],
    ['2026-01-01T19:00:00Z', '5h'],
    ['2025-12-30T00:00:00Z', '3d'],
    [undefined, '<unknown>'],
  ])('%s is %s old', (created, text) => {
    expect(ageText(created, now)).toBe(text);
  });
});

describe('jobTable', () => {
  it('lists Jobs by name with phase (Pending before any status), reason, attempts and age', () => {
    const table = jobTable([job('a', 'train', { phase: 'Failed', reason: 'OOMKilled', attempts: 2 }), job('a', 'eval')], { allNamespaces: false, now });
    expect(table.split('\n')).toEqual([
      'NAME    PHASE     REASON      ATTEMPTS   AGE',
      'eval    Pending               0          60m',
      'train   Failed    OOMKilled   2          60m',
    ]);
  });

  it('adds a NAMESPACE column across namespaces', () => {
    const table = jobTable([job('b', 'x', { phase: 'Running' }), job('a', 'y', { phase: 'Succeeded' })], { allNamespaces: true, now });
    expect(table.split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['NAMESPACE', 'a', 'b']);
  });
});
