import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algo } from '../../src/api/algo.ts';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { runDigest } from '../../src/controllers/shared/run-digest.ts';
import { applyAs, eventsOf, getAs, podsAnywhere, pushDataset, tesseraObject } from '../support/authorization.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: code the data's owner never reviewed touches its data. C lets B compute on its Dataset
// but approves exactly one Algo of B's (`permissions.approvedCode`: its run digest). B, with its
// own credentials, runs other code on it: a plan task whose Algo copies the inputs to an output,
// and a plain Job in B on a second Dataset C lets B read. Both must be refused with
// CodeNotApproved (kubectl shows the condition and a Warning event) and start no pod; the approved
// Algo still runs.

const orgB = useNamespace(import.meta.filename, 'b');
const orgC = useNamespace(import.meta.filename, 'c');
let operator: RunningOperator;
let tenantB: Tenant;
let approved = '';

const copyOut = ['sh', '-c', 'cp -r /tessera/inputs/data /tessera/outputs/model'];
const evilDigest = runDigest({ image: 'local/sim:1', command: copyOut });

beforeAll(async () => {
  installCrds();
  operator = await startOperator('code-approval');
  tenantB = await tenantOf(orgB.name);
  applyAs(tenantB, tesseraObject('Algo', 'good', { image: 'local/sim:1', category: 'train', outputs: [{ name: 'model' }] }));
  applyAs(tenantB, tesseraObject('Algo', 'evil', { image: 'local/sim:1', command: copyOut, category: 'train', outputs: [{ name: 'model' }] }));
  // B tells C the run digest of the code it wants to run; C reviews it and approves exactly that.
  approved = await waitFor('the run digest of Algo good', () => getAs<Algo>(tenantB, 'algos.tessera.dev', 'good').status?.runDigest);
  await pushDataset(orgC.name, 'c-data', ['--authorize', orgB.name, '--approve-code', approved]);
  await pushDataset(orgC.name, 'c-read', ['--read', orgB.name, '--approve-code', approved]);
});
afterAll(async () => {
  // The plans go while the operator runs: their Jobs in other namespaces carry its finalizer.
  kubectl(['delete', 'computeplans.tessera.dev', '--all', '-n', orgB.name, '--wait=true', '--timeout=90s']);
  await operator?.stop();
});

const planOn = (name: string, algo: string): string =>
  tesseraObject('ComputePlan', name, { tasks: [{ name: 't', algoRef: { name: algo }, namespace: orgC.name, inputs: [{ name: 'data', datasetRef: { name: 'c-data' } }] }] }, { annotations: { 'sim.tessera.dev/run-for': '30s' } });

const planJobs = (plan: string): string[] => kubectl(['get', 'jobs.tessera.dev', '-A', '-l', `tessera.dev/plan=${plan}`, '-o', 'name']).split('\n').filter(Boolean);

describe('code the data owner did not approve', () => {
  it('fails a plan task Unauthorized/CodeNotApproved, with a Warning event, and starts nothing in the data namespace', async () => {
    applyAs(tenantB, planOn('evil-plan', 'evil'));
    const plan = await waitFor('plan evil-plan Failed', () => {
      const seen = getAs<ComputePlan>(tenantB, 'computeplans.tessera.dev', 'evil-plan');
      return seen.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(plan.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'Unauthorized',
      message: expect.stringContaining(`CodeNotApproved: task t: Dataset ${orgC.name}/c-data does not approve this code (run digest ${evilDigest}`) as unknown,
    });
    await waitFor('a Warning event on evil-plan', () => eventsOf(tenantB.namespace, 'evil-plan').some((e) => e.startsWith('Warning/Unauthorized') && e.includes('CodeNotApproved')));
    expect(planJobs('evil-plan')).toEqual([]);
    expect(await podsAnywhere('tessera.dev/plan=evil-plan')).toEqual([]);
  });

  it('fails a plain Job reading the data with CodeNotApproved, with a Warning event, and no pod', async () => {
    const spec = { image: 'local/sim:1', command: copyOut, inputs: [{ name: 'data', dataset: { name: 'c-read', namespace: orgC.name } }], outputs: [{ name: 'model' }] };
    applyAs(tenantB, tesseraObject('Job', 'evil-job', spec));
    const job = await waitFor('Job evil-job refused', () => {
      const seen = getAs<TesseraJob>(tenantB, 'jobs.tessera.dev', 'evil-job');
      return seen.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(job.status).toMatchObject({ reason: 'CodeNotApproved', message: expect.stringContaining(`Dataset ${orgC.name}/c-read does not approve this code (run digest ${evilDigest}`) as unknown });
    expect(kubectl(['get', 'jobs.tessera.dev', '-n', orgB.name])).toMatch(/evil-job\s+Failed\s+CodeNotApproved/);
    await waitFor('a Warning event on evil-job', () => eventsOf(tenantB.namespace, 'evil-job').some((e) => e.startsWith('Warning/CodeNotApproved')));
    expect(await podsAnywhere('tessera.dev/job=evil-job')).toEqual([]);
  });

  it('runs the approved Algo: the refusals above are about the code, not the path', async () => {
    applyAs(tenantB, planOn('good-plan', 'good'));
    const job = await waitFor('the task Job of good-plan resolved in C', () => {
      const name = planJobs('good-plan')[0];
      const seen = name ? (JSON.parse(kubectl(['get', '-n', orgC.name, name, '-o', 'json'])) as TesseraJob) : undefined;
      return seen?.status?.inputs?.length || seen?.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(job.status?.phase).not.toBe('Failed');
    expect(job.metadata.namespace).toBe(orgC.name);
    await waitFor('a pod for the approved task in C', async () => (await podsAnywhere('tessera.dev/plan=good-plan')).length > 0);
  });
  it("runs a search's trials on C's data under the approved Algo: each trial's parameters are run inputs, not code", async () => {
    const search = {
      algo: { name: 'good' },
      namespace: orgC.name,
      datasetRef: { name: 'c-data' },
      space: { lr: { choice: [0.1, 0.01] } },
      objective: { metric: 'accuracy', goal: 'maximize' },
      algorithm: { grid: {} },
      budget: { maxTrials: 2 },
    };
    applyAs(tenantB, tesseraObject('ComputePlan', 'good-search', { strategy: { search } }, { annotations: { 'sim.tessera.dev/run-for': '30s' } }));
    const trials = await waitFor("both trials' Jobs resolved in C", () => {
      const names = planJobs('good-search');
      const seen = names.map((name) => JSON.parse(kubectl(['get', '-n', orgC.name, name, '-o', 'json'])) as TesseraJob);
      return seen.length === 2 && seen.every((j) => j.status?.inputs?.length || j.status?.phase === 'Failed') ? seen : undefined;
    });
    expect(trials.map((j) => [j.status?.phase === 'Failed' ? j.status.reason : 'resolved', j.spec.env?.find((e) => e.name === 'TESSERA_PARAM_LR')?.value]).sort()).toEqual([['resolved', '0.01'], ['resolved', '0.1']]);
    await waitFor('pods for both trials in C', async () => (await podsAnywhere('tessera.dev/plan=good-search')).length === 2);
  });

  it('still refuses approved code run with another variable beside the parameters: NODE_OPTIONS can change what runs', async () => {
    const env = [{ name: 'TESSERA_PARAM_LR', value: '0.1' }, { name: 'NODE_OPTIONS', value: '--require /tessera/inputs/data/x.js' }];
    applyAs(tenantB, tesseraObject('Job', 'sneaky-job', { image: 'local/sim:1', env, inputs: [{ name: 'data', dataset: { name: 'c-read', namespace: orgC.name } }], outputs: [{ name: 'model' }] }));
    const job = await waitFor('Job sneaky-job refused', () => {
      const seen = getAs<TesseraJob>(tenantB, 'jobs.tessera.dev', 'sneaky-job');
      return seen.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(job.status).toMatchObject({ reason: 'CodeNotApproved' });
    expect(await podsAnywhere('tessera.dev/job=sneaky-job')).toEqual([]);
  });
});
