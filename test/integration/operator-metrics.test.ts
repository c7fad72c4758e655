import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../src/api/job.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';

// The domain metrics on a real operator's /metrics: a GPU Job runs to Succeeded on a kwok node
// (2 s by default), and the scrape counts it by phase, with the CPU- and GPU-seconds its status
// times imply and its queue wait; the store probe sees MinIO. The log says its levels as words.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('operator-metrics');
});
afterAll(async () => {
  await operator?.stop();
});

async function scrape(): Promise<string> {
  return (await fetch(`${operator.metricsUrl}/metrics`)).text();
}

/** The value of the sample `name{labels}` in `text`, or undefined; labels in any order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

describe("the operator's domain metrics", () => {
  it('count a finished GPU run by phase, with its CPU- and GPU-seconds and its queue wait', async () => {
    kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'gpu-train' }, spec: { image: 'local/sim:1', resources: { cpu: '500m', memory: '1Gi', gpu: 2 } } }));
    const job = await waitFor('Job gpu-train Succeeded', () => {
      const got = kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', 'gpu-train');
      return got.status?.phase === 'Succeeded' ? got : undefined;
    }, 60_000);
    const ran = (Date.parse(job.status!.completionTime!) - Date.parse(job.status!.startTime!)) / 1000;
    expect(ran).toBeGreaterThan(0);
    const text = await waitFor('the finished Job in /metrics', async () => {
      const body = await scrape();
      return sample(body, 'tessera_jobs', { namespace: ns.name, phase: 'Succeeded', reason: 'Completed' }) === 1 ? body : undefined;
    });
    expect(sample(text, 'tessera_job_gpu_seconds_total', { namespace: ns.name })).toBe(2 * ran);
    expect(sample(text, 'tessera_job_cpu_seconds_total', { namespace: ns.name })).toBe(0.5 * ran);
    expect(sample(text, 'tessera_job_queue_wait_seconds_count', { namespace: ns.name })).toBe(1);
    expect(sample(text, 'tessera_transfer_bytes_total', { direction: 'download' })).toBeGreaterThanOrEqual(0);
  });

  it('report the object store reachable', async () => {
    await waitFor('tessera_object_store_up 1', async () => sample(await scrape(), 'tessera_object_store_up', {}) === 1);
  });

  it('log JSON lines whose level is a word', () => {
    const levels = readFileSync(operator.logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { level: unknown }).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.filter((level) => typeof level !== 'string')).toEqual([]);
    expect(levels).toContain('info');
  });
});
