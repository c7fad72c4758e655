import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../src/api/job.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';

// Real faults: the operator SIGKILLed mid-run, the apiserver restarted, two replicas competing for
// the lease. Each asserts the end state read back from the cluster.

const ns = useNamespace(import.meta.filename);
const { batch, config } = kube();
const clusterScript = fileURLToPath(new URL('../../scripts/cluster.sh', import.meta.url));
const running: RunningOperator[] = [];

beforeAll(() => installCrds());
afterAll(async () => {
  for (const operator of running) if (!operator.exited()) await operator.stop();
});

async function operator(name: string, args: string[] = [], waitReady = true): Promise<RunningOperator> {
  const started = await startOperator(name, args, { waitReady });
  running.push(started);
  return started;
}

function jobManifests(prefix: string, count: number, runFor: string): string {
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: `${prefix}-${i}`, labels: { batch: prefix }, annotations: { 'sim.tessera.dev/run-for': runFor } },
    spec: { image: 'local/sim:1', resources: { cpu: '100m', memory: '64Mi' } },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

function jobsOf(prefix: string): TesseraJob[] {
  const list = JSON.parse(kubectl(['get', '-n', ns.name, 'jobs.tessera.dev', '-l', `batch=${prefix}`, '-o', 'json'])) as { items: TesseraJob[] };
  return list.items;
}

async function allSucceeded(prefix: string, count: number, timeoutMs: number): Promise<TesseraJob[]> {
  return waitFor(`all ${count} ${prefix} jobs Succeeded`, () => {
    const jobs = jobsOf(prefix);
    const done = jobs.filter((j) => j.status?.phase === 'Succeeded');
    return done.length === count ? jobs : undefined;
  }, timeoutMs);
}

async function batchJobCountsByOwner(prefix: string): Promise<Map<string, number>> {
  const list = await batch.listNamespacedJob({ namespace: ns.name });
  const counts = new Map<string, number>();
  for (const job of list.items) {
    const owner = job.metadata?.labels?.['tessera.dev/job'] ?? '';
    if (owner.startsWith(`${prefix}-`)) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

async function leaseHolder(name: string): Promise<string | undefined> {
  const { CoordinationV1Api } = await import('@kubernetes/client-node');
  const lease = await config.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: ns.name });
  return lease.spec?.holderIdentity;
}

describe('the operator under faults', () => {
  it('completes 50 jobs with exactly one batch Job each when SIGKILLed midway and restarted', async () => {
    const first = await operator('crash-1', ['--lease-namespace', ns.name, '--lease-name', 'crash', '--lease-duration-seconds', '3']);
    kubectlApply(ns.name, jobManifests('crash', 50, '3s'));
    await waitFor('some batch Jobs created', async () => (await batchJobCountsByOwner('crash')).size >= 10);

    await first.kill();
    await operator('crash-2', ['--lease-namespace', ns.name, '--lease-name', 'crash', '--lease-duration-seconds', '3']);

    const jobs = await allSucceeded('crash', 50, 180_000);
    expect(jobs.every((j) => j.status?.attempts === 1)).toBe(true);
    const counts = await batchJobCountsByOwner('crash');
    expect(counts.size).toBe(50);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 300_000);

  it('rides out a 60 s apiserver outage without restarting, and every Job converges', async () => {
    const op = await operator('outage', ['--lease-namespace', ns.name, '--lease-name', 'outage']);
    kubectlApply(ns.name, jobManifests('across-outage', 10, '8s'));
    await waitFor('the jobs running', () => jobsOf('across-outage').filter((j) => j.status?.phase === 'Running').length >= 5);

    execFileSync('bash', [clusterScript, 'stop', 'kube-apiserver'], { stdio: 'inherit' });
    try {
      // Four times the default renew deadline (10 s): client-go's elector would have exited long ago.
      await new Promise((resolve) => setTimeout(resolve, 60_000));
    } finally {
      execFileSync('bash', [clusterScript, 'start', 'kube-apiserver'], { stdio: 'inherit' });
    }

    await allSucceeded('across-outage', 10, 150_000);
    expect(op.exited()).toBe(false);
    const log = readFileSync(op.logFile, 'utf8');
    expect(log).toContain('all writes stop until the API server confirms a renewal');
    expect(log).toContain('nobody led meanwhile, so writes resume');
    expect(log).not.toContain('lost the lease');
  }, 360_000);

  it('runs one leader among two replicas and fails over when it dies', async () => {
    const args = ['--lease-namespace', ns.name, '--lease-name', 'pair', '--lease-duration-seconds', '4'];
    const a = await operator('pair-a', args);
    const b = await operator('pair-b', args, false);
    expect(await leaseHolder('pair')).toBe('pair-a');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await leaseHolder('pair')).toBe('pair-a');

    await a.kill();

    await waitFor('pair-b to take the lease', async () => (await leaseHolder('pair')) === 'pair-b', 30_000);
    kubectlApply(ns.name, jobManifests('after-failover', 3, '1s'));
    await allSucceeded('after-failover', 3, 60_000);
    expect(b.exited()).toBe(false);
  });
});
