import { describe, expect, it } from 'vitest';
import type { ComputePlan } from '../api/computeplan.ts';
import type { TesseraJob, TesseraJobStatus } from '../api/job.ts';
import { consumedSeconds, effectiveResources, finishedSince, jobsByPhase, oldestPending, planTasks, plansByPhase, quantityValue, queueWaitSeconds } from './work-metrics-compute.ts';

function job(name: string, status?: Partial<TesseraJobStatus>, extra: { namespace?: string; created?: string; resources?: TesseraJob['spec']['resources'] } = {}): TesseraJob {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: extra.namespace ?? 'team-a', uid: `uid-${name}`, creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z' },
    spec: { image: 'local/sim:1', resources: extra.resources },
    status: status ? ({ phase: 'Pending', ...status }) : undefined,
  };
}

function plan(name: string, phase: string | undefined, counts: Record<string, number> | undefined, created = '2026-01-01T00:00:00Z'): ComputePlan {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'ComputePlan',
    metadata: { name, namespace: 'team-a', creationTimestamp: created },
    spec: {},
    status: phase ? { phase, counts } : undefined,
  } as unknown as ComputePlan;
}

describe('jobsByPhase', () => {
  it('counts Jobs by namespace, phase and reason; no status is Pending, an unknown reason is Other', () => {
    const samples = jobsByPhase([
      job('a', { phase: 'Running', reason: 'Running' }),
      job('b', { phase: 'Running', reason: 'Running' }),
      job('c', { phase: 'Failed', reason: 'OOMKilled' }, { namespace: 'team-b' }),
      job('d'),
      job('e', { phase: 'Failed', reason: 'SomethingAUserWrote' }),
    ]);
    expect(samples).toEqual(
      expect.arrayContaining([
        { labels: { namespace: 'team-a', phase: 'Running', reason: 'Running' }, value: 2 },
        { labels: { namespace: 'team-b', phase: 'Failed', reason: 'OOMKilled' }, value: 1 },
        { labels: { namespace: 'team-a', phase: 'Pending', reason: 'Pending' }, value: 1 },
        { labels: { namespace: 'team-a', phase: 'Failed', reason: 'Other' }, value: 1 },
      ]),
    );
    expect(samples).toHaveLength(4);
  });
});

describe('planTasks', () => {
  it("exports each active plan's counts in every phase, zeros included, and leaves finished plans out", () => {
    const { samples, omitted } = planTasks([plan('p', 'Running', { total: 4, running: 1, succeeded: 3 }), plan('done', 'Succeeded', { total: 2, succeeded: 2 }), plan('new', undefined, undefined)]);
    expect(omitted).toBe(0);
    expect(Object.fromEntries(samples.map((s) => [`${s.labels.plan}/${s.labels.phase}`, s.value]))).toEqual({
      'p/pending': 0, 'p/queued': 0, 'p/running': 1, 'p/succeeded': 3, 'p/failed': 0, 'p/canceled': 0,
    });
  });

  it('keeps only the newest plans past the bound and says how many it left out', () => {
    const plans = [plan('old', 'Running', { total: 1 }, '2026-01-01T00:00:00Z'), plan('mid', 'Running', { total: 1 }, '2026-01-02T00:00:00Z'), plan('new', 'Running', { total: 1 }, '2026-01-03T00:00:00Z')];
    const { samples, omitted } = planTasks(plans, 2);
    expect(new Set(samples.map((s) => s.labels.plan))).toEqual(new Set(['new', 'mid']));
    expect(omitted).toBe(1);
  });
});

describe('plansByPhase', () => {
  it('counts plans by phase; a plan without status is Pending', () => {
    expect(plansByPhase([plan('a', 'Running', undefined), plan('b', undefined, undefined), plan('c', 'Running', undefined)])).toEqual([
      { labels: { namespace: 'team-a', phase: 'Running' }, value: 2 },
      { labels: { namespace: 'team-a', phase: 'Pending' }, value: 1 },
    ]);
  });
});

describe('quantityValue', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    [4, 4],
    ['1.5', 1.5],
    ['1k', 1000],
    ['1Ki', 1024],
    ['1e3', 1000],
    ['junk', 0],
    [undefined, 0],
  ])('reads %s as %s', (quantity, value) => {
    expect(quantityValue(quantity)).toBe(value);
  });
});

describe('consumedSeconds', () => {
  const ran = { startTime: '2026-01-01T00:01:00Z', completionTime: '2026-01-01T00:11:00Z' };

  it('is requests × (completion − start) for a finished run, succeeded or failed', () => {
    expect(consumedSeconds(job('a', { phase: 'Succeeded', ...ran }), { cpu: '500m', gpu: 2 })).toEqual({ cpu: 300, gpu: 1200 });
    expect(consumedSeconds(job('b', { phase: 'Failed', ...ran }), { cpu: 2 })).toEqual({ cpu: 1200, gpu: 0 });
  });

  it('is nothing for a run still going, a run that never started, or times out of order', () => {
    expect(consumedSeconds(job('a', { phase: 'Running', startTime: ran.startTime }), { cpu: 1 })).toBeUndefined();
    expect(consumedSeconds(job('b', { phase: 'Canceled' }), { cpu: 1 })).toBeUndefined();
    expect(consumedSeconds(job('c', { phase: 'Failed', startTime: ran.completionTime, completionTime: ran.startTime }), { cpu: 1 })).toBeUndefined();
  });

  it("takes the Algo's resources under the Job's own, field by field", () => {
    expect(effectiveResources(job('a', undefined, { resources: { cpu: '4' } }), { cpu: '1', gpu: 1 })).toEqual({ cpu: '4', gpu: 1 });
    expect(effectiveResources(job('b'), undefined)).toBeUndefined();
  });
});

describe('queueWaitSeconds and finishedSince', () => {
  it('measures creation to the run\'s start, and nothing before it starts', () => {
    expect(queueWaitSeconds(job('a', { phase: 'Running', startTime: '2026-01-01T00:02:30Z' }))).toBe(150);
    expect(queueWaitSeconds(job('b', { phase: 'Queued' }))).toBeUndefined();
  });

  it('tells a Job that finished after a time from one that finished before', () => {
    const done = job('a', { phase: 'Succeeded', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T01:00:00Z' });
    expect(finishedSince(done, Date.parse('2026-01-01T00:30:00Z') / 1000)).toBe(true);
    expect(finishedSince(done, Date.parse('2026-01-01T02:00:00Z') / 1000)).toBe(false);
    expect(finishedSince(job('b', { phase: 'Running' }), 0)).toBe(false);
  });
});

describe('oldestPending', () => {
  const now = Date.parse('2026-01-01T02:00:00Z') / 1000;

  it("is each namespace's longest wait among Pending Jobs, from creation", () => {
    const samples = oldestPending([job('a', { phase: 'Pending' }), job('b', { phase: 'Pending' }, { created: '2026-01-01T01:00:00Z' }), job('c', { phase: 'Running' }), job('d', undefined, { namespace: 'team-b', created: '2026-01-01T01:59:00Z' })], now);
    expect(samples).toEqual([
      { labels: { namespace: 'team-a' }, value: 7200 },
      { labels: { namespace: 'team-b' }, value: 60 },
    ]);
  });

  it('counts a retried run as Pending from its last transition, not from its first start', () => {
    const retried = job('a', { phase: 'Pending', reason: 'Preempted', startTime: '2026-01-01T00:00:30Z', conditions: [{ type: 'Ready', status: 'False', reason: 'Preempted', lastTransitionTime: '2026-01-01T01:50:00Z' }] } as Partial<TesseraJobStatus>);
    expect(oldestPending([retried], now)).toEqual([{ labels: { namespace: 'team-a' }, value: 600 }]);
  });
});
