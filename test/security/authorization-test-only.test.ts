import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { applyAs, eventsOf, getAs, podsAnywhere, pushDataset, tesseraObject } from '../support/authorization.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: training on test data. C keeps a test-only Dataset that lets B compute on it (to score
// models). B, with its own credentials, names it as a fedAvg trainer's Dataset, with a trainer Algo
// that claims to be a metric; plan tasks inline their Algo, so the old check (through algoRef) never
// saw it. Now every Job carries its category, a fedAvg train task trains whatever its Algo says, and
// a Job with no category counts as training: refused, with no pod in C.

const orgB = useNamespace(import.meta.filename, 'b');
const orgC = useNamespace(import.meta.filename, 'c');
let operator: RunningOperator;
let tenantB: Tenant;
let tenantC: Tenant;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('authorization-test-only');
  [tenantB, tenantC] = await Promise.all([tenantOf(orgB.name), tenantOf(orgC.name)]);
  await pushDataset(orgC.name, 'holdout', ['--authorize', orgB.name, '--test-only']);
});
afterAll(async () => {
  // The plans go while the operator runs: their Jobs in other namespaces carry its finalizer.
  kubectl(['delete', 'computeplans.tessera.dev', '--all', '-n', orgB.name, '--wait=true', '--timeout=90s']);
  await operator?.stop();
});

const failed = <T extends { status?: { phase?: string } }>(tenant: Tenant, resource: string, name: string): Promise<T> =>
  waitFor(`${resource} ${name} Failed`, () => {
    const seen = getAs<T>(tenant, resource, name);
    return seen.status?.phase === 'Failed' ? seen : undefined;
  });

describe('a test-only Dataset', () => {
  it('is never a fedAvg trainer\'s data, even under an Algo claiming to be a metric: InvalidSpec, no Job or pod in C', async () => {
    applyAs(tenantB, tesseraObject('Algo', 'sneaky', { image: 'local/sim:1', category: 'metric', outputs: [{ name: 'model' }] }));
    applyAs(tenantB, tesseraObject('Algo', 'agg', { image: 'local/sim:1', category: 'aggregate', outputs: [{ name: 'model' }] }));
    const fedAvg = { rounds: 1, trainers: [{ namespace: orgC.name, datasetRef: { name: 'holdout' } }], trainAlgo: { name: 'sneaky' }, aggregateAlgo: { name: 'agg' } };
    applyAs(tenantB, tesseraObject('ComputePlan', 'peek', { strategy: { fedAvg } }));
    const plan = await failed<ComputePlan>(tenantB, 'computeplans.tessera.dev', 'peek');
    expect(plan.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: expect.stringContaining(`task r1-train-0 may learn from its data (category: train, metric), but Dataset ${orgC.name}/holdout is test-only`) as unknown,
    });
    await waitFor('a Warning event on plan peek', () => eventsOf(tenantB.namespace, 'peek').some((e) => e.startsWith('Warning/InvalidSpec')));
    expect(kubectl(['get', 'jobs.tessera.dev', '-A', '-l', 'tessera.dev/plan=peek', '-o', 'name']).trim()).toBe('');
    expect(await podsAnywhere('tessera.dev/plan=peek')).toEqual([]);
  });

  it('is refused to a Job that declares no category, even its owner\'s, and read by one that declares metric', async () => {
    const reader = (name: string, labels: Record<string, string> = {}): string =>
      tesseraObject('Job', name, { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'holdout' } }] }, { labels, annotations: { 'sim.tessera.dev/run-for': '1s' } });
    applyAs(tenantC, reader('no-category'));
    const job = await failed<TesseraJob>(tenantC, 'jobs.tessera.dev', 'no-category');
    expect(job.status).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining('is test-only; a run that may learn from its data (category: none') as unknown });
    await waitFor('a Warning event on no-category', () => eventsOf(tenantC.namespace, 'no-category').some((e) => e.startsWith('Warning/InvalidSpec')));
    expect(await podsAnywhere('tessera.dev/job=no-category')).toEqual([]);

    applyAs(tenantC, reader('scorer', { 'tessera.dev/category': 'metric' }));
    await waitFor('a pod for scorer', async () => (await podsAnywhere('tessera.dev/job=scorer')).length > 0);
  });
});
