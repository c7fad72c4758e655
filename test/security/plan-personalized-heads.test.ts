import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { applyAs, getAs, grantsOf, pushDataset, tesseraObject } from '../support/authorization.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { namespaceUid } from '../support/namespace-uids.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Threat: in a personalized plan (Substra's composite tasks) each hospital keeps a local head that
// must never leave its namespace; only the shared trunk is averaged. The plan's owner, with nothing
// but its own namespace's rights, appends to its plan a task in its own namespace that names a
// hospital's head as an input, and lets the rest of the plan run (ContinueIndependent), so the
// heads really are written. The thief must be refused before any Job exists, and no head may be
// read by, granted or lent to any namespace but the hospital that wrote it.

const owner = useNamespace(import.meta.filename, 'a');
const hospital = useNamespace(import.meta.filename, 'b');
let operator: RunningOperator;
let sim: MoverSim;
let planOwner: Tenant;

async function writeEveryOutput(pod: Readonly<k8s.V1Pod>, root: string): Promise<void> {
  for (const output of await readdir(join(root, 'outputs'))) await writeFile(join(root, 'outputs', output, 'out.json'), JSON.stringify({ pod: pod.metadata?.name, output }));
}

const algo = (category: string, inputs: string[], outputs: string[]): object => ({
  image: 'local/sim:1',
  category,
  inputs: inputs.map((name) => ({ name, optional: name !== 'data' })),
  outputs: outputs.map((name) => ({ name })),
});

const planJobs = (): TesseraJob[] => (JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-A', '-l', 'tessera.dev/plan=pers', '-o', 'json'])) as { items: TesseraJob[] }).items;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('plan-personalized-heads');
  sim = startMoverSim({ namespaces: [owner.name, hospital.name], transferUrl: operator.transferUrl, write: writeEveryOutput });
  planOwner = await tenantOf(owner.name);
  await pushDataset(hospital.name, 'records', ['--authorize', owner.name]);
  applyAs(planOwner, tesseraObject('Algo', 'composite', algo('train', ['data', 'model', 'head'], ['model', 'head'])));
  applyAs(planOwner, tesseraObject('Algo', 'average', algo('aggregate', [], ['model'])));
});
afterAll(async () => {
  await sim?.stop();
  kubectl(['delete', 'computeplans.tessera.dev', '--all', '-n', owner.name, '--wait=true', '--timeout=90s']);
  await operator?.stop();
});

describe("a plan owner naming a hospital's local head as its own task's input", () => {
  it('is refused Unauthorized before any Job exists, while the hospital trains; the head stays with the hospital alone', async () => {
    const strategy = { rounds: 2, trainers: [{ namespace: hospital.name, datasetRef: { name: 'records' } }], trainAlgo: { name: 'composite' }, aggregateAlgo: { name: 'average' } };
    const thief = { name: 'steal', algoRef: { name: 'composite' }, inputs: [{ name: 'head', taskOutput: { task: 'r1-train-0', output: 'head' } }] };
    applyAs(planOwner, tesseraObject('ComputePlan', 'pers', { strategy: { personalized: strategy }, tasks: [thief], failurePolicy: 'ContinueIndependent' }));

    const plan = await waitFor('plan pers finished', () => {
      const seen = getAs<ComputePlan>(planOwner, 'computeplans.tessera.dev', 'pers');
      return seen.status?.phase === 'Failed' ? seen : undefined;
    }, 240_000);
    expect(plan.status?.failedTasks).toEqual([expect.objectContaining({ task: 'steal', reason: 'Unauthorized' })]);
    expect(plan.status?.counts).toMatchObject({ succeeded: 4, failed: 1 });
    expect(await tesseraCli(['plan', 'tree', 'pers', '-n', owner.name])).toMatch(/^\s*steal\s+\S+\s+Failed \(Unauthorized\)/m);

    const jobs = planJobs();
    expect(jobs.map((j) => j.metadata.labels?.['tessera.dev/task'])).not.toContain('steal');
    const heads = jobs.flatMap((j) => j.status?.outputs?.filter((o) => o.name === 'head').map((o) => o.digest) ?? []);
    expect(heads).toHaveLength(2);
    const hospitalUid = await namespaceUid(hospital.name);
    for (const head of heads) {
      const readers = jobs.filter((j) => j.spec.inputs?.some((i) => i.fileSet?.digest === head));
      expect(readers.map((j) => j.metadata.namespace)).toEqual(readers.map(() => hospital.name));
      expect(await grantsOf(head)).toEqual([`holdings/${hospitalUid}/${head.slice('sha256:'.length)}`]);
    }
  });
});
