import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditedWrites, operatorAgent } from '../support/audit-log.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';

// Threat: a leader paused past its lease (SIGSTOP, a long GC pause, a frozen VM) wakes up while
// another replica leads, and its queued work writes over the new leader's. After SIGCONT the old
// leader must make zero writes, counted by the API server's audit log, not by the replica itself.

const ns = useNamespace(import.meta.filename);
const running: RunningOperator[] = [];
const leaseArgs = ['--lease-namespace', ns.name, '--lease-name', 'fenced', '--lease-duration-seconds', '4'];

beforeAll(() => installCrds());
afterAll(async () => {
  for (const operator of running) {
    if (operator.exited()) continue;
    operator.process.kill('SIGCONT');
    await operator.stop();
  }
});

function jobs(count: number): string {
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: `fenced-${i}`, labels: { batch: 'fenced' }, annotations: { 'sim.tessera.dev/run-for': '6s' } },
    spec: { image: 'local/sim:1', resources: { cpu: '100m', memory: '64Mi' } },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

function leaseHolder(): string {
  return kubectl(['get', 'lease', '-n', ns.name, 'fenced', '-o', 'jsonpath={.spec.holderIdentity}']);
}

function succeeded(): number {
  const list = JSON.parse(kubectl(['get', '-n', ns.name, 'jobs.tessera.dev', '-l', 'batch=fenced', '-o', 'json'])) as { items: { status?: { phase?: string } }[] };
  return list.items.filter((j) => j.status?.phase === 'Succeeded').length;
}

describe('a leader paused past its lease', () => {
  it('writes nothing after it wakes up while another replica leads, and the new leader finishes the work', async () => {
    const startedAt = new Date();
    const old = await startOperator('fenced-old', leaseArgs);
    running.push(old);
    await waitFor('fenced-old to lead', () => leaseHolder() === 'fenced-old');
    const next = await startOperator('fenced-new', leaseArgs, { waitLead: false });
    running.push(next);
    kubectlApply(ns.name, jobs(20));

    // The path is reachable and the counting works: the leader's writes show in the audit log.
    await waitFor('fenced-old writing', async () => (await auditedWrites(operatorAgent('fenced-old'), startedAt)).length >= 20, 60_000);

    old.process.kill('SIGSTOP');
    await waitFor('fenced-new to take the lease', () => leaseHolder() === 'fenced-new', 30_000);
    // Let the new leader act on the same objects the old one had queued.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const wokeAt = new Date();
    old.process.kill('SIGCONT');

    await waitFor('fenced-old to step down and exit', () => old.exited(), 30_000);
    expect(await auditedWrites(operatorAgent('fenced-old'), wokeAt)).toEqual([]);
    await waitFor('all 20 Jobs Succeeded under fenced-new', () => succeeded() === 20, 120_000);
    expect(next.exited()).toBe(false);
  }, 240_000);
});
