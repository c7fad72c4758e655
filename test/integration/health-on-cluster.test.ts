import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../src/api/job.ts';
import { verdictsOf } from '../support/health.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// What health-verdicts.test.ts checks on builders' output, checked on Jobs the operator really
// reconciled on the local cluster (kwok pods): `kubectl get -o json` straight into kstatus and the
// Argo CD checks (scripts/health), as a GitOps tool would read them.

beforeAll(() => awaitLatePart('health'), latePartWaitMs);

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('health-on-cluster');
});
afterAll(async () => {
  await operator?.stop();
});

function applyJob(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): void {
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name, annotations }, spec }));
}

async function waitForReason(name: string, reason: string): Promise<void> {
  await waitFor(`Job ${name} to reach reason ${reason}`, () => kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', name).status?.reason === reason || undefined, 90_000);
}

describe('verdicts on Jobs the operator reconciled', () => {
  it('reads each phase as kstatus and Argo CD should: done, failed or in progress', async () => {
    applyJob('done', { image: 'local/sim:1' }, { 'sim.tessera.dev/run-for': '300ms' });
    applyJob('oom', { image: 'local/sim:1', resources: { memory: '1Gi' } }, { 'sim.tessera.dev/exit-code': '137', 'sim.tessera.dev/reason': 'OOMKilled', 'sim.tessera.dev/run-for': '300ms' });
    applyJob('too-big', { image: 'local/sim:1', resources: { gpu: 16 } });
    applyJob('canceled', { image: 'local/sim:1', cancel: true });
    applyJob('waiting', { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'not-pushed-yet' } }] });
    for (const [name, reason] of [['done', 'Completed'], ['oom', 'OOMKilled'], ['too-big', 'Unschedulable'], ['canceled', 'Canceled'], ['waiting', 'InputNotReady']] as const) {
      await waitForReason(name, reason);
    }

    const list = JSON.parse(kubectl(['get', '-n', ns.name, 'jobs.tessera.dev', '-o', 'json'])) as { items: TesseraJob[] };
    const byName = Object.fromEntries(verdictsOf([list]).map((v) => [v.name, `${v.kstatus?.status}/${v.argocd?.status}`]));
    expect(byName).toEqual({
      done: 'Current/Healthy',
      oom: 'Failed/Degraded',
      'too-big': 'InProgress/Progressing',
      canceled: 'Current/Healthy',
      waiting: 'InProgress/Progressing',
    });
  });
});
