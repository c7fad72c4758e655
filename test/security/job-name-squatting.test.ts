import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algo } from '../../src/api/algo.ts';
import { batchJobName } from '../../src/controllers/job/names.ts';
import { batchJobsOf, getTesseraJob, jobInPhase, waitForTesseraJob } from '../support/job-runs.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { allowTenant, tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: a tenant makes the operator stand a Tessera Job on a run it did not make. A run's batch
// Job has a deterministic name (from the Job's uid, which anyone who may read the Job knows), so the
// tenant creates a batch Job under that name first — labelled, owner-referenced and annotated like
// the operator's, with a seal it made up — while the Job waits for its Algo. Were it adopted, its
// pod (the tenant's code) would be the Job's run: its exit would be the Job's outcome. The operator
// stands a Job only on a batch Job whose run seal verifies; this one is reported, never run as the
// Job's, and the real run starts once it is gone. The tenant acts with its namespace rights only.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let tenant: Tenant;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-name-squatting');
  tenant = await tenantOf(ns.name);
  await allowTenant(ns.name, 'batch-jobs', [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }]);
});
afterAll(async () => {
  await operator?.stop();
});

const apply = (obj: unknown): string => tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify(obj));

const forgedSeal = `v1;main;;${'0'.repeat(64)}`;

/** A batch Job made to look like the operator's run `name` of the Tessera Job `uid`, with a made-up seal. */
function squatterOf(name: string, uid: string): k8s.V1Job {
    const labels = { 'app.kubernetes.io/managed-by': 'tessera', 'app.kubernetes.io/name': 'tessera', 'app.kubernetes.io/component': 'job', 'tessera.dev/job': 'train', 'tessera.dev/job-uid': uid };
  return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, labels, ownerReferences: [{ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', name: 'train', uid, controller: true }] },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels, annotations: { 'tessera.dev/run-seal': forgedSeal } },
          spec: { restartPolicy: 'Never', automountServiceAccountToken: false, containers: [{ name: 'main', image: 'local/sim:1' }] },
        },
      },
    };
}

const isReady = (algo: Algo): boolean => algo.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const hasFinished = (job: k8s.V1Job): true | undefined => (job.status?.succeeded || job.status?.failed ? true : undefined);
const templateSeal = (job: k8s.V1Job | undefined): string | undefined => job?.spec?.template.metadata?.annotations?.['tessera.dev/run-seal'];

function warningReasons(name: string): string[] {
  const list = JSON.parse(kubectl(['get', 'events', '-n', ns.name, '-o', 'json'])) as { items: Array<{ involvedObject?: { name?: string }; type: string; reason: string }> };
  return list.items.filter((e) => e.involvedObject?.name === name && e.type === 'Warning').map((e) => e.reason);
}

describe("a batch Job created in advance under a Tessera Job's run name", () => {
  it('is reported as NameTaken and never stands as the run; the real run starts once it is deleted', async () => {
    apply({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'train' }, spec: { algoRef: { name: 'later' } } });
    const waiting = await waitForTesseraJob(ns.name, 'train', (j) => j.status?.reason === 'InputNotReady', { what: 'waiting for its Algo' });
    const uid = waiting.metadata.uid ?? '';
    const name = batchJobName('train', uid);
    const squatter = squatterOf(name, uid);
    // Reachable: the tenant may create it, under the very name the run will have.
    expect(apply(squatter)).toContain('created');
    const reported = await waitForTesseraJob(ns.name, 'train', (j) => j.status?.reason === 'NameTaken', { what: 'NameTaken' });
    expect(reported.status?.phase).toBe('Pending');
    expect(reported.status?.message).toContain(`batch Job ${ns.name}/${name} was not created by Tessera`);
    expect(reported.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Stalled', status: 'True' }));
    expect(warningReasons('train')).toContain('NameTaken');

    // The Algo arrives and the squatter's pod runs to its end: the Job is still not standing on it.
    apply({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'later' }, spec: { image: 'local/sim:1', category: 'train' } });
    await waitFor('Algo later to be Ready', () => isReady(kubectlGet<Algo>(ns.name, 'algos.tessera.dev', 'later')));
    await waitFor(`the squatting batch Job ${name} to finish`, async () => hasFinished(await kube().batch.readNamespacedJob({ namespace: ns.name, name })));
    const stillReported = getTesseraJob(ns.name, 'train');
    expect(stillReported.status).toMatchObject({ phase: 'Pending', reason: 'NameTaken' });

    // Once the squatter is gone, the operator's own, sealed run starts and succeeds.
    tenant.kubectl(['delete', 'job.batch', name, '-n', ns.name, '--cascade=foreground', '--wait=true']);
    const done = await jobInPhase(ns.name, 'train', 'Succeeded');
    expect(done.status?.reason).toBe('Completed');
    const runs = await batchJobsOf(ns.name, 'train');
    expect(runs.map((r) => r.metadata?.name)).toEqual([name]);
    expect(templateSeal(runs[0])).toMatch(/^v1;main;;[0-9a-f]{64}$/);
    expect(templateSeal(runs[0])).not.toBe(forgedSeal);
  });
});
