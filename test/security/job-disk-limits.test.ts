import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkDirSize } from '../../src/api/common.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: a tenant's run fills the node's disk through its work directories (inputs, outputs, code
// live in an emptyDir) and evicts other organizations' pods. Every run's work directory has a size
// limit (resources.disk, else a default), and a run that asks for disk gets it as an
// ephemeral-storage request and limit; the tenant cannot ask for something that is not a quantity.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let tenant: Tenant;

const tesseraJob = (name: string, resources: Record<string, unknown> | undefined): string =>
  JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name }, spec: { image: 'local/sim:1', outputs: [{ name: 'model' }], ...(resources ? { resources } : {}) } });

async function batchJobOf(name: string): Promise<k8s.V1Job> {
  return waitFor(`the batch Job of ${name}`, async () => (await kube().batch.listNamespacedJob({ namespace: ns.name, labelSelector: `tessera.dev/job=${name}` })).items[0]);
}

const workDir = (job: k8s.V1Job): k8s.V1EmptyDirVolumeSource | undefined => job.spec?.template.spec?.volumes?.find((v) => v.emptyDir)?.emptyDir;
const main = (job: k8s.V1Job): k8s.V1Container | undefined => job.spec?.template.spec?.containers.find((c) => c.name === 'main');

beforeAll(async () => {
  installCrds();
  operator = await startOperator('job-disk-limits');
  tenant = await tenantOf(ns.name);
});
afterAll(async () => {
  await operator?.stop();
});

describe("a tenant's run and the node's disk", () => {
  it('gets resources.disk as its ephemeral-storage request and limit and as its work directory size limit', async () => {
    tenant.kubectl(['create', '-n', ns.name, '-f', '-'], tesseraJob('with-disk', { cpu: '100m', disk: '3Gi' }));
    const job = await batchJobOf('with-disk');
    expect(workDir(job)).toEqual({ sizeLimit: '3Gi' });
    expect(main(job)?.resources?.requests).toMatchObject({ 'ephemeral-storage': '3Gi' });
    expect(main(job)?.resources?.limits).toMatchObject({ 'ephemeral-storage': '3Gi' });
  });

  it('gets the default size limit on its work directory when it names no disk', async () => {
    tenant.kubectl(['create', '-n', ns.name, '-f', '-'], tesseraJob('no-disk', undefined));
    const job = await batchJobOf('no-disk');
    expect(workDir(job)).toEqual({ sizeLimit: defaultWorkDirSize });
  });

  it('cannot ask for a disk that is not a quantity', () => {
    const refused = tenant.tryKubectl(['create', '-n', ns.name, '-f', '-'], tesseraJob('bad-disk', { disk: 'all of it' }));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/spec.resources.disk/);
  });
});
