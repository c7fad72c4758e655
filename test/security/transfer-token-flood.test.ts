import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transferAudience } from '../../src/transfer/protocol.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectlApply } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';

// Threat: anyone who can reach the transfer API (any pod, any process on a node) starves every
// controller by flooding it with forged tokens: each used to cost a TokenReview drawn from the
// same API server the controllers need, and rejected tokens were barely remembered. The attack is
// 30 s of 1,000 requests per second, each with a fresh token shaped like a projected pod token (so
// only a TokenReview could tell it is forged), sent to 127.0.0.1 only; 100 Jobs must finish within
// 20 % of the time the same 100 Jobs take without it, both measured here.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
const jobCount = 100;
const floodSeconds = 30;
const floodRate = 1_000;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-token-flood', ['--no-leader-elect']);
});
afterAll(async () => {
  await operator?.stop();
});

/** A JWT with the claims of a projected token for the transfer API and a signature nobody made. */
function forgedToken(): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: [transferAudience], exp: now + 3600, iat: now, iss: 'https://kubernetes.default.svc', 'kubernetes.io': { namespace: ns.name, pod: { name: 'x', uid: randomUUID() }, serviceaccount: { name: 'default', uid: randomUUID() } }, sub: `system:serviceaccount:${ns.name}:default` };
  return `${part({ alg: 'RS256', kid: 'forged' })}.${part(claims)}.${randomBytes(256).toString('base64url')}`;
}

interface FloodTally {
  sent: number;
  byStatus: Map<number, number>;
  errors: number;
}

/** Sends `rate` requests a second for `seconds`, each with a fresh forged token; bounded in count and time. */
async function flood(url: string, rate: number, seconds: number): Promise<FloodTally> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const tally: FloodTally = { sent: 0, byStatus: new Map(), errors: 0 };
  const target = new URL('/v1/run', url);
  const pending = new Set<Promise<void>>();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request(target, { agent, method: 'GET', headers: { authorization: `Bearer ${forgedToken()}` }, timeout: 10_000 }, (res) => {
        tally.byStatus.set(res.statusCode ?? 0, (tally.byStatus.get(res.statusCode ?? 0) ?? 0) + 1);
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        tally.errors++;
        resolve();
      });
      req.end();
    });
  const start = Date.now();
  const total = rate * seconds;
  while (tally.sent < total && Date.now() - start < seconds * 1000) {
    // Catch up to where the schedule says we should be, 10 ms at a time.
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
    while (tally.sent < due) {
      tally.sent++;
      const sent = one().finally(() => pending.delete(sent));
      pending.add(sent);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
  agent.destroy();
  return tally;
}

/** Applies `jobCount` bare Jobs labelled `batch` and resolves with the ms until all Succeeded. */
async function timeJobs(batch: string): Promise<number> {
  const items = Array.from({ length: jobCount }, (_, i) => ({
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: `${batch}-${i}`, labels: { batch }, annotations: { 'sim.tessera.dev/run-for': '2s' } },
    spec: { image: 'local/sim:1', resources: { cpu: '10m', memory: '16Mi' } },
  }));
  const custom = kube().config.makeApiClient(k8s.CustomObjectsApi);
  const start = Date.now();
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await waitFor(`${jobCount} Jobs of ${batch} Succeeded`, async () => {
    const list = (await custom.listNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', namespace: ns.name, plural: 'jobs', labelSelector: `batch=${batch}` })) as { items: Array<{ status?: { phase?: string } }> };
    const done = list.items.filter((j) => j.status?.phase === 'Succeeded').length;
    return done === jobCount ? true : undefined;
  }, 300_000);
  return Date.now() - start;
}

describe('a flood of forged tokens at the transfer API', () => {
  it('is answered without starving the controllers: 100 Jobs slow down by under 20 %', async () => {
    const quiet = await timeJobs('quiet');
    const flooding = flood(operator.transferUrl, floodRate, floodSeconds);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const loud = await timeJobs('loud');
    const tally = await flooding;
    const statuses = Object.fromEntries(tally.byStatus);
    console.log(`100 Jobs: ${quiet} ms quiet, ${loud} ms under the flood (${(loud / quiet).toFixed(2)}x); flood: ${tally.sent} sent, answers ${JSON.stringify(statuses)}, ${tally.errors} errors`);
    // The attack happened: the requests were made and answered, refused as they should be.
    expect(tally.sent).toBeGreaterThan(floodRate * floodSeconds * 0.95);
    expect((tally.byStatus.get(429) ?? 0) + (tally.byStatus.get(401) ?? 0)).toBeGreaterThan(tally.sent * 0.95);
    expect([...tally.byStatus.keys()].filter((code) => code < 400)).toEqual([]);
    expect(loud).toBeLessThan(quiet * 1.2);
    expect(operator.exited()).toBe(false);
  });
});
