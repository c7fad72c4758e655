import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../src/api/job.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Threat: a plan's owner strips the plan's finalizer and deletes it while no operator runs (or the
// operator is away when the plan goes). The plan's Jobs in a data organization's namespace then
// carry a finalizer nothing would ever remove: they would run on there, and that namespace could
// never be deleted. Also: deleting a Job must remove only Tessera's finalizer, never another
// controller's. The data organization's namespace must end up deletable, with nothing running.

const orgA = useNamespace(import.meta.filename, 'a');
// Created and deleted by the test itself: its deletion is what the test proves possible.
const orgB = { name: `t-plan-orphaned-jobs-b-${Math.random().toString(36).slice(2, 7)}` };
const { core, batch } = kube();
const keeper = 'example.com/keep';
let operator: RunningOperator | undefined;
let sim: MoverSim;
let planOwner: Tenant;
let dataOwner: Tenant;
let scratch = '';

const tesseraObject = (kind: string, metadata: Record<string, unknown>, spec: unknown): string => JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata, spec });

async function writeEveryOutput(_pod: Readonly<k8s.V1Pod>, root: string): Promise<void> {
  for (const output of await readdir(join(root, 'outputs'))) await writeFile(join(root, 'outputs', output, 'out.json'), '{}');
}

function jobsInB(): TesseraJob[] {
  return (JSON.parse(dataOwner.kubectl(['get', 'jobs.tessera.dev', '-n', orgB.name, '-o', 'json'])) as { items: TesseraJob[] }).items;
}

async function namespaceGone(): Promise<boolean> {
  return (await namespaceB()) === undefined;
}

async function namespaceB(): Promise<k8s.V1Namespace | undefined> {
  try {
    return await core.readNamespace({ name: orgB.name });
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/**
 * Namespace B is gone, or the namespace controller reports all its content removed and no content
 * finalizer left: nothing in it holds it any more. (A cluster-wide fault, such as an unavailable
 * aggregated API that fails discovery, can hold every namespace's deletion; that is not B's content.)
 */
async function nothingHoldsB(): Promise<boolean> {
  const ns = await namespaceB();
  if (!ns) return true;
  const reason = (type: string): string | undefined => ns.status?.conditions?.find((c) => c.type === type)?.reason;
  return reason('NamespaceContentRemaining') === 'ContentRemoved' && reason('NamespaceFinalizersRemaining') === 'ContentHasNoFinalizers';
}

beforeAll(async () => {
  installCrds();
  await core.createNamespace({ body: { metadata: { name: orgB.name, labels: { 'tessera.dev/test': 'true' } } } });
  await waitFor('default ServiceAccount in B', async () => core.readNamespacedServiceAccount({ name: 'default', namespace: orgB.name }).then(() => true));
  scratch = await mkdtemp(join(tmpdir(), 'tessera-orphans-'));
  operator = await startOperator('plan-orphaned-jobs');
  sim = startMoverSim({ namespaces: [orgA.name, orgB.name], transferUrl: operator.transferUrl, write: writeEveryOutput });
  [planOwner, dataOwner] = await Promise.all([tenantOf(orgA.name), tenantOf(orgB.name)]);
  const data = await mkdtemp(join(scratch, 'data-'));
  await writeFile(join(data, 'samples.csv'), 'x,1\n');
  await tesseraCli(['dataset', 'push', data, '--name', 'hospital', '-n', orgB.name, '--authorize', orgA.name]);
  planOwner.kubectl(['apply', '-n', orgA.name, '-f', '-'], tesseraObject('Algo', { name: 'train' }, { image: 'local/sim:1', category: 'train', outputs: [{ name: 'model' }] }));
});
afterAll(async () => {
  // The simulated movers of the runs this test deletes mid-run wait for pods that are gone: give them a moment only.
  await Promise.race([sim?.stop(), new Promise((resolve) => setTimeout(resolve, 5000))]);
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
  if (!(await namespaceGone()) && !(await namespaceB())?.metadata?.deletionTimestamp) {
    for (const job of jobsInB()) dataOwner.tryKubectl(['patch', 'jobs.tessera.dev', job.metadata.name, '-n', orgB.name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await core.deleteNamespace({ name: orgB.name });
  }
});

/** The data organization's controller lets go of its own finalizer, and of nothing else (the patch fails if another is there). */
function releaseKeeper(job: string): void {
  const patch = [{ op: 'test', path: '/metadata/finalizers', value: [keeper] }, { op: 'remove', path: '/metadata/finalizers/0' }];
  dataOwner.kubectl(['patch', 'jobs.tessera.dev', job, '-n', orgB.name, '--type=json', '-p', JSON.stringify(patch)]);
}

const trainIn = (namespace: string): Record<string, unknown> => ({ tasks: [{ name: 'train', namespace, algoRef: { name: 'train' }, inputs: [{ name: 'data', datasetRef: { name: 'hospital' } }] }] });

describe('a plan deleted the ordinary way', () => {
  it("deletes its Job in the data namespace removing only Tessera's finalizer, and goes", async () => {
    planOwner.kubectl(['apply', '-n', orgA.name, '-f', '-'], tesseraObject('ComputePlan', { name: 'plain', annotations: { 'sim.tessera.dev/run-for': '600s' } }, trainIn(orgB.name)));
    const running = await waitFor('the task to run in B', () => jobsInB().find((j) => j.metadata.labels?.['tessera.dev/plan'] === 'plain' && j.status?.phase === 'Running'));
    dataOwner.kubectl(['patch', 'jobs.tessera.dev', running.metadata.name, '-n', orgB.name, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/metadata/finalizers/-', value: keeper }])]);
    planOwner.kubectl(['delete', 'computeplan', 'plain', '-n', orgA.name, '--wait=false']);
    await waitFor('the plan to go', () => (planOwner.tryKubectl(['get', 'computeplan', 'plain', '-n', orgA.name]).status !== 0 ? true : undefined));
    const left = jobsInB().find((j) => j.metadata.name === running.metadata.name);
    expect(left?.metadata.deletionTimestamp).toBeDefined();
    expect(left?.metadata.finalizers).toEqual([keeper]);
    // Held by the other finalizer, the Job is deleting all the same: its run stops now.
    await waitFor('its batch Job to be gone', async () => ((await batch.listNamespacedJob({ namespace: orgB.name, labelSelector: `tessera.dev/job=${running.metadata.name}` })).items.length === 0 ? true : undefined));
    releaseKeeper(running.metadata.name);
    await waitFor('the Job to be gone', () => (jobsInB().length === 0 ? true : undefined));
  }, 120_000);
});

describe('a plan deleted with its finalizer stripped while the operator is away', () => {
  it('leaves no Job running in the data namespace, keeps other controllers\' finalizers, and lets that namespace be deleted', async () => {
    planOwner.kubectl(['apply', '-n', orgA.name, '-f', '-'], tesseraObject('ComputePlan', { name: 'fl', annotations: { 'sim.tessera.dev/run-for': '600s' } }, trainIn(orgB.name)));
    const running = await waitFor('the task to run in B', () => jobsInB().find((j) => j.status?.phase === 'Running'));
    expect(running.metadata.finalizers).toEqual(['tessera.dev/compute-plan']);
    // Another controller of the data organization holds the Job too.
    dataOwner.kubectl(['patch', 'jobs.tessera.dev', running.metadata.name, '-n', orgB.name, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/metadata/finalizers/-', value: keeper }])]);

    // The attack: with the operator away, the plan's owner strips the finalizer and deletes the plan.
    await operator!.stop();
    operator = undefined;
    planOwner.kubectl(['patch', 'computeplan', 'fl', '-n', orgA.name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    planOwner.kubectl(['delete', 'computeplan', 'fl', '-n', orgA.name]);
    expect(planOwner.tryKubectl(['get', 'computeplan', 'fl', '-n', orgA.name]).status).not.toBe(0);
    expect(jobsInB().map((j) => j.metadata.finalizers)).toEqual([['tessera.dev/compute-plan', keeper]]);

    // The operator comes back: the Job's plan is gone, so the Job is deleted and only Tessera's finalizer goes.
    operator = await startOperator('plan-orphaned-jobs');
    const released = await waitFor('the orphaned Job to be deleted and released', () => {
      const job = jobsInB()[0];
      return job?.metadata.deletionTimestamp && job.metadata.finalizers?.join() === keeper ? job : undefined;
    });
    expect(released.metadata.finalizers).toEqual([keeper]);
    await waitFor('its batch Job to be gone', async () => ((await batch.listNamespacedJob({ namespace: orgB.name })).items.length === 0 ? true : undefined));

    // Once the organization's own controller lets go, the namespace can be deleted.
    releaseKeeper(released.metadata.name);
    await waitFor('the Job to be gone', () => (jobsInB().length === 0 ? true : undefined));
    await core.deleteNamespace({ name: orgB.name });
    await waitFor('nothing to hold namespace B', async () => ((await nothingHoldsB()) ? true : undefined), 90_000);
  }, 240_000);
});
