import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/api/dataset.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { labels as names, managedByValue } from '../../src/controllers/job/names.ts';
import { transferAudience } from '../../src/transfer/protocol.ts';
import { batchJobsOf, podOfJob, waitForTesseraJob } from '../support/job-runs.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podToken } from '../support/pod-runner.ts';
import { allowTenant, tenantOf, type Tenant } from '../support/tenant.ts';
import { callTransfer } from '../support/transfer-calls.ts';

// Threat: a tenant gets the mover's transfer token into a container it controls by making its own
// objects look like the operator's: a Tessera Job labelled and owner-referenced like a Dataset's
// index Job (whose main container is given the token), or a batch Job of its own, owner-referenced
// to its Tessera Job, whose pod mounts a projected transfer token into its main container. The
// tenant acts with its namespace rights only (here given, as the built-in `edit` role gives them
// in a cluster that aggregates roles, batch Jobs to create); the forged pod's token is the one the
// kubelet would project into it.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let tenant: Tenant;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-forged-run');
  tenant = await tenantOf(ns.name);
  // What `edit` grants in clusters that aggregate workload rights into it: batch Jobs (and reading pods).
  await allowTenant(ns.name, 'workloads', [
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  ]);
});
afterAll(async () => {
  await operator?.stop();
});

const apply = (obj: unknown): string => tenant.kubectl(['apply', '-f', '-'], JSON.stringify(obj));

describe('a Job made to look like a Dataset index Job', () => {
  it('is refused (Unauthorized) before any pod, and the real index Job is the one the Dataset records', async () => {
    apply({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'scans' }, spec: { source: { prefix: { prefix: 'scans/' } } } });
    const dataset = await waitFor('Dataset scans to record its index Job', () => {
      const d = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'scans');
      return d.status?.indexJob ? d : undefined;
    });
    const forged = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Job',
      metadata: {
        name: 'forged-index',
        labels: { 'app.kubernetes.io/managed-by': 'tessera', 'app.kubernetes.io/component': 'dataset-index', 'tessera.dev/dataset': 'scans' },
        ownerReferences: [{ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', name: 'scans', uid: dataset.metadata.uid, controller: true }],
      },
      spec: { image: 'local/sim:1', args: ['cat', '/var/run/secrets/tessera.dev/transfer/token'] },
    };
    // Reachable: the tenant may create it.
    expect(apply(forged)).toContain('created');
    const refused = await waitForTesseraJob(ns.name, 'forged-index', (j: TesseraJob) => j.status?.phase === 'Failed', { what: 'Failed' });
    expect(refused.status).toMatchObject({ reason: 'Unauthorized' });
    expect(refused.status?.message).toContain('no Dataset recorded it');
    expect(await batchJobsOf(ns.name, 'forged-index')).toEqual([]);
    expect(kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'scans').status?.indexJob?.name).not.toBe('forged-index');
  });
});

describe('a batch Job of its own, owned by its Tessera Job, with the token in main', () => {
  it('gets 403 naming the container, for every route', async () => {
    apply({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'owner', annotations: { 'sim.tessera.dev/run-for': '120s' } }, spec: { image: 'local/sim:1', outputs: [{ name: 'model' }] } });
    const genuine = await podOfJob(ns.name, 'owner');
    const owner = kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', 'owner');
    // A run's labels (copied from the genuine pod), which put the forged pod in the operator's caches.
    const labels = { [names.managedBy]: managedByValue, 'tessera.dev/job': 'owner', 'tessera.dev/job-uid': owner.metadata.uid ?? '' };
    const forgedBatch = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'owner-forged', labels, ownerReferences: [{ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', name: 'owner', uid: owner.metadata.uid, controller: true }] },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels, annotations: { 'sim.tessera.dev/run-for': '120s' } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            containers: [{ name: 'main', image: 'local/sim:1', volumeMounts: [{ name: 'tessera-token', mountPath: '/var/run/secrets/tessera.dev/transfer', readOnly: true }] }],
            volumes: [{ name: 'tessera-token', projected: { sources: [{ serviceAccountToken: { audience: transferAudience, expirationSeconds: 3600, path: 'token' } }] } }],
          },
        },
      },
    };
    expect(apply(forgedBatch)).toContain('created');
    const { core } = kube();
    const forgedPod = await waitFor('the forged batch Job pod', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'batch.kubernetes.io/job-name=owner-forged' });
      return pods.items.find((p) => p.metadata?.uid);
    });
    const token = await podToken(forgedPod);
    const answer = await waitFor('the operator to see the forged pod', async () => {
      const got = await callTransfer(operator.transferUrl, 'GET /v1/run', token);
      return got.status === 404 ? undefined : got;
    });
    expect(answer).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
    expect(answer.body.message).toContain('container main mounts the transfer token');
    expect(await callTransfer(operator.transferUrl, 'POST /v1/upload', token, { output: 'model', manifestDigest: `sha256:${'1'.repeat(64)}`, blobs: [] })).toMatchObject({ status: 403 });
    // The genuine run of the same Job is served (the control).
    expect((await callTransfer(operator.transferUrl, 'GET /v1/run', await podToken(genuine))).status).toBe(200);
  });
});
