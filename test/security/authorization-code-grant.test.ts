import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algo } from '../../src/api/algo.ts';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { applyAs, eventsOf, getAs, grantsOf, podsAnywhere, pushDataset, tesseraObject } from '../support/authorization.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { namespaceUid } from '../support/namespace-uids.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Threat: a plan's namespace makes the operator hand it another organization's file set. B (the
// attacker) writes an Algo whose `code` is the digest of A's private Dataset and runs it in a plan
// task in C, whose data lets B compute: the operator used to grant that digest to C, and the task
// pulled A's data into /tessera/code. Now code is lent only from a Ready Algo whose code the plan's
// namespace holds, every loan is backed by authorizations in force, and it is withdrawn when they end.

const orgA = useNamespace(import.meta.filename, 'a');
const orgB = useNamespace(import.meta.filename, 'b');
const orgC = useNamespace(import.meta.filename, 'c');
let operator: RunningOperator;
let tenantB: Tenant;
let tenantC: Tenant;
let victimDigest = '';

beforeAll(async () => {
  installCrds();
  operator = await startOperator('authorization-code-grant');
  [tenantB, tenantC] = await Promise.all([tenantOf(orgB.name), tenantOf(orgC.name)]);
  victimDigest = await pushDataset(orgA.name, 'private');
  await pushDataset(orgC.name, 'c-data', ['--authorize', orgB.name]);
});
afterAll(async () => {
  // The plans go while the operator runs: their Jobs in other namespaces carry its finalizer.
  kubectl(['delete', 'computeplans.tessera.dev', '--all', '-n', orgB.name, '--wait=true', '--timeout=90s']);
  await operator?.stop();
});

const planIn = (name: string, algo: string, annotations: Record<string, string> = {}): string =>
  tesseraObject('ComputePlan', name, { tasks: [{ name: 't', algoRef: { name: algo }, namespace: orgC.name, inputs: [{ name: 'data', datasetRef: { name: 'c-data' } }] }] }, { annotations });

const planJobs = (plan: string): string[] => kubectl(['get', 'jobs.tessera.dev', '-A', '-l', `tessera.dev/plan=${plan}`, '-o', 'name']).split('\n').filter(Boolean);

describe("a plan whose Algo names another organization's file set as its code", () => {
  it('lends nothing: the Algo is Unauthorized, the task fails Unauthorized, no Job or pod in C, no grant of the digest', async () => {
    applyAs(tenantB, tesseraObject('Algo', 'steal', { image: 'local/sim:1', category: 'train', code: { digest: victimDigest }, outputs: [{ name: 'model' }] }));
    applyAs(tenantB, planIn('exfil', 'steal'));

    const algo = await waitFor('Algo steal judged', () => {
      const seen = getAs<Algo>(tenantB, 'algos.tessera.dev', 'steal');
      return seen.status?.conditions?.some((c) => c.type === 'Ready') ? seen : undefined;
    });
    expect(algo.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Unauthorized' });
    const plan = await waitFor('plan exfil Failed', () => {
      const seen = getAs<ComputePlan>(tenantB, 'computeplans.tessera.dev', 'exfil');
      return seen.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(plan.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'Unauthorized',
      message: expect.stringContaining(`task t: algo ${orgB.name}/steal may not run: the file set ${victimDigest} was never pushed to this namespace`) as unknown,
    });
    await waitFor('a Warning event on plan exfil', () => eventsOf(tenantB.namespace, 'exfil').some((e) => e.startsWith('Warning/Unauthorized')));
    expect(planJobs('exfil')).toEqual([]);
    expect(await podsAnywhere('tessera.dev/plan=exfil')).toEqual([]);
    // Only the victim's own holding names the digest: nothing was granted or lent to B or C.
    expect(await grantsOf(victimDigest)).toEqual([`holdings/${await namespaceUid(orgA.name)}/${victimDigest.slice('sha256:'.length)}`]);
  });
});

describe("a plan running its own namespace's code in another namespace", () => {
  let code = '';
  let planUid = '';

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-honest-'));
    await writeFile(join(dir, 'train.js'), `// ${orgB.name} ${Math.random()}\n`);
    const pushed = await tesseraCli(['algo', 'push', dir, '--name', 'honest', '-n', orgB.name, '--image', 'local/sim:1', '--category', 'train', '--output', 'model']);
    await rm(dir, { recursive: true, force: true });
    code = /code (sha256:[a-f0-9]{64})/.exec(pushed)?.[1] ?? '';
  });

  it('lends the code to C only while C consents, and withdraws the loan when C withdraws its authorization', async () => {
    const hex = code.slice('sha256:'.length);
    applyAs(tenantB, planIn('honest-plan', 'honest', { 'sim.tessera.dev/run-for': '120s' }));
    // The loan works: the task's Job in C resolved the borrowed code and started.
    const job = await waitFor('the task Job in C resolved', () => {
      const name = planJobs('honest-plan')[0]?.split('/').pop();
      const seen = name ? getAs<TesseraJob>(tenantC, 'jobs.tessera.dev', name) : undefined;
      return seen?.status?.code || seen?.status?.phase === 'Failed' ? seen : undefined;
    });
    expect(job.status?.code?.digest).toBe(code);
    planUid = getAs<ComputePlan>(tenantB, 'computeplans.tessera.dev', 'honest-plan').metadata.uid ?? '';
    const [uidB, uidC] = [await namespaceUid(orgB.name), await namespaceUid(orgC.name)];
    expect(await grantsOf(code)).toEqual([`holdings/${uidB}/${hex}`, `lent-index/${planUid}/${uidC}/${hex}`, `lent/${uidC}/${hex}/${planUid}`].sort());

    tenantC.kubectl(['patch', 'datasets.tessera.dev', 'c-data', '-n', orgC.name, '--type=merge', '-p', JSON.stringify({ spec: { permissions: { authorizedNamespaces: [] } } })]);
    await waitFor('the loan withdrawn', async () => (await grantsOf(code)).length === 1);
    expect(await grantsOf(code)).toEqual([`holdings/${uidB}/${hex}`]);
  }, 180_000);
});
