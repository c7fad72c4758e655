import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../src/api/job.ts';
import { applyAs, eventsOf, getAs, podsAnywhere, pushDataset, tesseraObject } from '../support/authorization.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: an organization allowed to compute on another's data pulls its raw bytes instead. Hospital
// A lets namespace B compute on its Dataset (tasks run in A, only outputs leave). B, with its own
// namespace-scoped credentials, creates a plain Job in B that reads A's Dataset: the bytes would land
// in B's pod. It must be refused Unauthorized before any pod exists, anywhere; only a Dataset that
// grants B `permissions.read` may be pulled into B.

const orgA = useNamespace(import.meta.filename, 'a');
const orgB = useNamespace(import.meta.filename, 'b');
let operator: RunningOperator;
let tenantB: Tenant;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('authorization-read');
  tenantB = await tenantOf(orgB.name);
  await pushDataset(orgA.name, 'patients', ['--authorize', orgB.name]);
  await pushDataset(orgA.name, 'published', ['--read', orgB.name]);
});
afterAll(async () => {
  await operator?.stop();
});

const readerJob = (name: string, dataset: string): string =>
  tesseraObject('Job', name, { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: dataset, namespace: orgA.name } }] }, { annotations: { 'sim.tessera.dev/run-for': '1s' } });

describe("a tenant allowed to compute on another organization's Dataset", () => {
  it('cannot pull its raw bytes into a pod of its own namespace: Unauthorized, a Warning event, no pod anywhere', async () => {
    applyAs(tenantB, readerJob('pull-raw', 'patients'));
    // The request was made and answered: the operator resolved the Job and said no.
    const job = await waitFor('Job pull-raw refused', () => {
      const seen = getAs<TesseraJob>(tenantB, 'jobs.tessera.dev', 'pull-raw');
      return seen.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(job.status).toMatchObject({
      reason: 'Unauthorized',
      message: `input data: Dataset ${orgA.name}/patients does not let namespace ${orgB.name} read its bytes (it may compute on it in ${orgA.name}, through a ComputePlan, and receive the outputs)`,
    });
    expect(job.status?.inputs ?? []).toEqual([]);
    expect(job.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'Unauthorized' });
    await waitFor('a Warning event on pull-raw', () => eventsOf(tenantB.namespace, 'pull-raw').some((e) => e.startsWith('Warning/Unauthorized: input data: Dataset')));
    expect(await podsAnywhere('tessera.dev/job=pull-raw')).toEqual([]);
    expect(kubectl(['get', 'jobs.batch', '-A', '-l', 'tessera.dev/job=pull-raw', '-o', 'name']).trim()).toBe('');
  });

  it('pulls a Dataset that lets it read: the refusal above is about the permission, not the path', async () => {
    applyAs(tenantB, readerJob('pull-published', 'published'));
    const job = await waitFor('Job pull-published resolved', () => {
      const seen = getAs<TesseraJob>(tenantB, 'jobs.tessera.dev', 'pull-published');
      return (seen.status?.inputs?.length ?? 0) > 0 || seen.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(job.status?.phase).not.toBe('Failed');
    expect(job.status?.inputs?.[0]?.source).toBe(`dataset ${orgA.name}/published v1`);
    await waitFor('a pod for pull-published', async () => (await podsAnywhere('tessera.dev/job=pull-published')).length > 0);
  });
});
