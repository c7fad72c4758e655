import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { taskJobName } from '../../src/controllers/computeplan/names.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlGet } from '../support/kubectl.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Threat: a trainer organization in a federated plan impersonates another task. It reads the plan's
// uid off the labels of its own task Job, then, with nothing but its own namespace's rights, creates
// Jobs labelled as the plan's: a succeeded "aggregate" every consumer would read, a Failed "train"
// that would make FailFast cancel the plan, and a Job squatting the name the plan will give its next
// task there. The plan must adopt none of them, say so once, and fail the squatted task NameTaken.

const orgA = useNamespace(import.meta.filename, 'a');
const orgB = useNamespace(import.meta.filename, 'b');
let operator: RunningOperator;
let sim: MoverSim;
let planOwner: Tenant;
let trainer: Tenant;
let scratch = '';

async function writeEveryOutput(pod: Readonly<k8s.V1Pod>, root: string): Promise<void> {
  for (const output of await readdir(join(root, 'outputs'))) await writeFile(join(root, 'outputs', output, 'out.json'), JSON.stringify({ pod: pod.metadata?.name }));
}

const tesseraObject = (kind: string, metadata: Record<string, unknown>, spec: unknown): string => JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata, spec });

function jobsIn(tenant: Tenant, selector: string): TesseraJob[] {
  return (JSON.parse(tenant.kubectl(['get', 'jobs.tessera.dev', '-n', tenant.namespace, '-l', selector, '-o', 'json'])) as { items: TesseraJob[] }).items;
}

const getPlan = (): ComputePlan => kubectlGet<ComputePlan>(orgA.name, 'computeplans.tessera.dev', 'fl');
const condition = (plan: ComputePlan, type: string): { reason: string; message: string } | undefined => plan.status?.conditions?.find((c) => c.type === type);

function ignoredEventNotes(): string[] {
  const list = JSON.parse(kubectl(['get', 'events', '-n', orgA.name, '--field-selector', 'involvedObject.name=fl,reason=JobIgnored', '-o', 'json'])) as { items: Array<{ message?: string; count?: number }> };
  return list.items.flatMap((e) => Array<string>(e.count ?? 1).fill(e.message ?? ''));
}

beforeAll(async () => {
  installCrds();
  scratch = await mkdtemp(join(tmpdir(), 'tessera-impostors-'));
  operator = await startOperator('plan-task-impostors');
  sim = startMoverSim({ namespaces: [orgA.name, orgB.name], transferUrl: operator.transferUrl, write: writeEveryOutput });
  [planOwner, trainer] = await Promise.all([tenantOf(orgA.name), tenantOf(orgB.name)]);
  const data = await mkdtemp(join(scratch, 'data-'));
  await writeFile(join(data, 'samples.csv'), 'x,1\n');
  await tesseraCli(['dataset', 'push', data, '--name', 'hospital', '-n', orgB.name, '--authorize', orgA.name]);
  for (const [name, outputs] of [['train', ['model']], ['aggregate', ['model']], ['evaluate', ['performance']]] as const) {
    planOwner.kubectl(['apply', '-n', orgA.name, '-f', '-'], tesseraObject('Algo', { name }, { image: 'local/sim:1', category: name === 'evaluate' ? 'metric' : name === 'aggregate' ? 'aggregate' : 'train', outputs: outputs.map((o) => ({ name: o })) }));
  }
});
afterAll(async () => {
  await sim?.stop();
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a trainer organization faking tasks of a plan it takes part in', () => {
  it('gets no impostor adopted: consumers wait for the real aggregate, no FailFast, a squatted name fails its task NameTaken', async () => {
    const data = { name: 'data', datasetRef: { name: 'hospital' } };
    const plan = tesseraObject('ComputePlan', { name: 'fl', annotations: { 'sim.tessera.dev/run-for': '1s', 'sim.tessera.dev/run-for.aggregate': '30s' } }, {
      tasks: [
        { name: 'train', namespace: orgB.name, algoRef: { name: 'train' }, inputs: [data] },
        { name: 'aggregate', algoRef: { name: 'aggregate' }, inputs: [{ name: 'model', taskOutput: { task: 'train', output: 'model' } }] },
        { name: 'test', namespace: orgB.name, algoRef: { name: 'evaluate' }, inputs: [data, { name: 'model', taskOutput: { task: 'aggregate', output: 'model' } }] },
      ],
    });
    planOwner.kubectl(['apply', '-n', orgA.name, '-f', '-'], plan);

    // The trainer sees its own task Job, and on it the plan's uid.
    const own = await waitFor('the train Job to succeed in B', () => jobsIn(trainer, 'tessera.dev/task=train').find((j) => j.status?.phase === 'Succeeded'));
    const labels = own.metadata.labels!;
    const uid = labels['tessera.dev/plan-uid']!;
    await waitFor('the real aggregate to run in A', () => {
      const job = (JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-n', orgA.name, '-l', 'tessera.dev/task=aggregate', '-o', 'json'])) as { items: TesseraJob[] }).items[0];
      return job?.status?.phase === 'Running' ? job : undefined;
    });

    // Status is a subresource the tenant is not granted: it cannot write "Succeeded" on any Job.
    const forged = trainer.tryKubectl(['patch', 'jobs.tessera.dev', own.metadata.name, '-n', orgB.name, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Failed"}}']);
    expect(forged.status).not.toBe(0);
    expect(forged.stderr).toMatch(/forbidden/i);

    // The attack, with the tenant's own rights: every create is answered and accepted.
    const fake = (name: string, task: string, annotations: Record<string, string>, spec: Record<string, unknown>): void => {
      trainer.kubectl(['create', '-n', orgB.name, '-f', '-'], tesseraObject('Job', { name, labels: { ...labels, 'tessera.dev/task': task }, annotations }, spec));
    };
    fake('aggregate-fake', 'aggregate', { 'sim.tessera.dev/run-for': '1s' }, { image: 'local/sim:1', outputs: [{ name: 'model' }] });
    fake('train-fake', 'train', { 'sim.tessera.dev/run-for': '1s', 'sim.tessera.dev/exit-code': '1' }, { image: 'local/sim:1' });
    const squatted = taskJobName('fl', 'test', uid, '');
    fake(squatted, 'test', { 'sim.tessera.dev/run-for': '1s' }, { image: 'local/sim:1', command: ['evil'] });
    await waitFor('the fakes to finish', () => {
      const phases = jobsIn(trainer, 'tessera.dev/task in (aggregate,train)').filter((j) => j.metadata.name.endsWith('-fake')).map((j) => j.status?.phase);
      return phases.includes('Succeeded') && phases.includes('Failed') ? phases : undefined;
    }, 60_000);

    // Both fakes ignored and listed, while the real aggregate still runs: nothing read the fake model.
    const during = await waitFor('the plan to list the fakes', () => {
      const p = getPlan();
      return (p.status?.ignoredJobs ?? []).length >= 2 ? p : undefined;
    });
    expect(during.status?.ignoredJobs).toEqual([`${orgB.name}/aggregate-fake`, `${orgB.name}/train-fake`]);
    expect(during.status?.phase).toBe('Running');
    expect(during.status?.counts).toMatchObject({ succeeded: 1, running: 1, failed: 0 });
    expect(jobsIn(trainer, 'tessera.dev/task=test').map((j) => j.metadata.name)).toEqual([squatted]);

    // The real aggregate finishes; the plan refuses to stand "test" on the squatter.
    const failed = await waitFor('the plan to fail NameTaken', () => {
      const p = getPlan();
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 90_000);
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'NameTaken' });
    expect(condition(failed, 'Failed')?.message).toContain(`Job ${orgB.name}/${squatted} was not created by this plan`);
    expect(failed.status?.counts).toMatchObject({ succeeded: 2, failed: 1 });
    expect(failed.status?.ignoredJobs).toEqual([`${orgB.name}/aggregate-fake`, `${orgB.name}/${squatted}`, `${orgB.name}/train-fake`].sort());
    // Nothing of the tenant's was touched: the squatter keeps its spec, uncanceled, undeleted.
    const squatter = jobsIn(trainer, 'tessera.dev/task=test')[0]!;
    expect(squatter.spec).toMatchObject({ command: ['evil'] });
    expect(squatter.spec.cancel).toBeUndefined();

    // Reported once each, however many times the plan was reconciled since.
    const notes = ignoredEventNotes();
    for (const name of ['aggregate-fake', 'train-fake', squatted]) expect(notes.filter((n) => n.includes(`${orgB.name}/${name}:`)), name).toHaveLength(1);
  }, 240_000);
});
