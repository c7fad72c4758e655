import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Algo } from '../api/algo.ts';
import type { TesseraJob, TesseraJobStatus } from '../api/job.ts';
import { ManualClock } from '../runtime/clock.ts';
import { createLogger } from '../runtime/logger.ts';
import type { ChangeHandler } from '../runtime/informer.ts';
import { registerWorkMetrics } from './work-metrics.ts';

// The collector on a real prom-client registry, fed the way the Jobs informer feeds it: a list to
// read at scrape time and change events.

const started = Date.parse('2026-01-01T01:00:00Z');

function job(name: string, status: Partial<TesseraJobStatus>, spec: Partial<TesseraJob['spec']> = { image: 'local/sim:1', resources: { cpu: '2', gpu: 1 } }): TesseraJob {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: 'team-a', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:59:00Z' },
    spec: spec,
    status: { phase: 'Pending', ...status },
  };
}

function harness(): { registry: Registry; jobs: Map<string, TesseraJob>; change: (j: TesseraJob, kind?: 'add' | 'update' | 'delete') => void } {
  const registry = new Registry();
  const jobs = new Map<string, TesseraJob>();
  const handlers: Array<ChangeHandler<TesseraJob>> = [];
  const algo = { spec: { resources: { cpu: '4' } } } as unknown as Algo;
  registerWorkMetrics({
    registry,
    informers: { jobs: { list: () => [...jobs.values()], onChange: (h) => handlers.push(h) }, plans: { list: () => [] }, algos: { get: (_ns, name) => (name === 'train' ? algo : undefined) } },
    store: undefined,
    clock: new ManualClock(started),
    logger: createLogger({ level: 'silent' }),
  });
  const change = (j: TesseraJob, kind: 'add' | 'update' | 'delete' = 'update'): void => {
    if (kind === 'delete') jobs.delete(j.metadata.name);
    else jobs.set(j.metadata.name, j);
    for (const h of handlers) h(j, kind);
  };
  return { registry, jobs, change };
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('registerWorkMetrics', () => {
  it('exports Jobs by phase at scrape time, and drops a label set whose Jobs are gone', async () => {
    const { registry, change } = harness();
    const a = job('a', { phase: 'Running', reason: 'Running' });
    change(a, 'add');
    expect(await value(registry, 'tessera_jobs', { namespace: 'team-a', phase: 'Running', reason: 'Running' })).toBe(1);
    change(a, 'delete');
    expect(await registry.getSingleMetricAsString('tessera_jobs')).not.toContain('phase="Running"');
  });

  it("counts a run's CPU- and GPU-seconds once when it finishes, and keeps them after the Job is deleted", async () => {
    const { registry, change } = harness();
    const running = job('a', { phase: 'Running', startTime: '2026-01-01T01:00:00Z' });
    change(running, 'add');
    expect(await value(registry, 'tessera_job_cpu_seconds_total', { namespace: 'team-a' })).toBeUndefined();
    const done = job('a', { phase: 'Succeeded', startTime: '2026-01-01T01:00:00Z', completionTime: '2026-01-01T01:10:00Z' });
    change(done);
    change(done);
    change(done, 'delete');
    expect(await value(registry, 'tessera_job_cpu_seconds_total', { namespace: 'team-a' })).toBe(1200);
    expect(await value(registry, 'tessera_job_gpu_seconds_total', { namespace: 'team-a' })).toBe(600);
  });

  it("reads an Algo's resources for a Job that runs one", async () => {
    const { registry, change } = harness();
    change(job('t', { phase: 'Failed', startTime: '2026-01-01T01:00:00Z', completionTime: '2026-01-01T01:01:00Z' }, { algoRef: { name: 'train' } }), 'add');
    expect(await value(registry, 'tessera_job_cpu_seconds_total', { namespace: 'team-a' })).toBe(240);
  });

  it('leaves runs that finished before the process started to the process that saw them finish', async () => {
    const { registry, change } = harness();
    change(job('old', { phase: 'Succeeded', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:30:00Z' }), 'add');
    expect(await value(registry, 'tessera_job_cpu_seconds_total', { namespace: 'team-a' })).toBeUndefined();
  });

  it('observes the queue wait of each started run once', async () => {
    const { registry, change } = harness();
    const j = job('a', { phase: 'Running', startTime: '2026-01-01T01:01:00Z' });
    change(j, 'add');
    change(j);
    const text = await registry.getSingleMetricAsString('tessera_job_queue_wait_seconds');
    expect(text).toContain('tessera_job_queue_wait_seconds_bucket{le="60",namespace="team-a"} 0');
    expect(text).toContain('tessera_job_queue_wait_seconds_bucket{le="120",namespace="team-a"} 1');
    expect(text).toContain('tessera_job_queue_wait_seconds_count{namespace="team-a"} 1');
  });
});
