import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/api/dataset.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { filesApi, ServerError } from '../../src/cli/files-api.ts';
import { applyAs, eventsOf, getAs, grantsOf, podsAnywhere, pushDataset, tesseraObject } from '../support/authorization.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlGet } from '../support/kubectl.ts';
import { namespaceUid } from '../support/namespace-uids.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Threat: a namespace is deleted and the platform's administrator later creates one under the same
// name for another organization (or the same name is reused by mistake). The new namespace's tenant,
// with its own namespace-scoped credentials, tries to use what the old one had: pull the file set the
// old namespace pushed (its holding in the store), and run a Job in it on another organization's
// Dataset that authorized the old namespace by name. Grants and authorizations are keyed by the
// namespace's uid: the new namespace inherits nothing, and is told why.

const orgA = useNamespace(import.meta.filename, 'a');
const orgB = { name: `t-namespace-recreated-b-${Math.random().toString(36).slice(2, 7)}` };
const secret = randomBytes(2048);
let operator: RunningOperator;
let scratch = '';
let oldUid = '';
let oldDigest = '';

async function createNamespace(name: string): Promise<string> {
  const { core } = kube();
  const created = await core.createNamespace({ body: { metadata: { name, labels: { 'tessera.dev/test': 'true' } } } });
  await waitFor(`default ServiceAccount in ${name}`, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
    return true;
  });
  return created.metadata?.uid ?? '';
}

async function deleteNamespace(name: string): Promise<void> {
  const { core } = kube();
  await core.deleteNamespace({ name }).catch((error: unknown) => {
    if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
  });
  await waitFor(
    `namespace ${name} gone`,
    async () => {
      try {
        await core.readNamespace({ name });
        return false;
      } catch (error) {
        return error instanceof k8s.ApiException && error.code === 404;
      }
    },
    180_000,
  );
}

async function refusal(call: Promise<unknown>): Promise<ServerError> {
  const error: unknown = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ServerError)) throw new Error(`expected a refusal from the server, got ${String(error)}`);
  return error;
}

const readerJob = (name: string): string =>
  tesseraObject('Job', name, { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'patients', namespace: orgA.name } }] }, { annotations: { 'sim.tessera.dev/run-for': '1s' } });

/** The Job once the operator has resolved its inputs or failed it. */
function resolved(tenant: Tenant, name: string): Promise<TesseraJob> {
  return waitFor(`Job ${name} resolved`, () => {
    const seen = getAs<TesseraJob>(tenant, 'jobs.tessera.dev', name);
    return (seen.status?.inputs?.length ?? 0) > 0 || seen.status?.phase === 'Failed' ? seen : undefined;
  });
}

beforeAll(async () => {
  installCrds();
  operator = await startOperator('namespace-recreated');
  scratch = await mkdtemp(join(tmpdir(), 'tessera-ns-recreated-'));
  oldUid = await createNamespace(orgB.name);
  // The old B: pushes a file set of its own with its own credentials, and A lets it read A's data.
  const oldTenant = await tenantOf(orgB.name);
  await writeFile(join(scratch, 'records.csv'), secret);
  await tesseraCli(['dataset', 'push', scratch, '--name', 'records', '-n', orgB.name], oldTenant.kubeconfig);
  oldDigest = await waitFor('records Ready', () => kubectlGet<Dataset>(orgB.name, 'datasets.tessera.dev', 'records').status?.digest);
  await pushDataset(orgA.name, 'patients', ['--read', orgB.name]);
  await waitFor('patients records the old B', () => kubectlGet<Dataset>(orgA.name, 'datasets.tessera.dev', 'patients').status?.authorizations?.some((a) => a.namespace === orgB.name));
  // The threat is real: the old B pulls its file set and runs a Job in B on A's Dataset.
  await tesseraCli(['fileset', 'pull', oldDigest, join(scratch, 'pulled-by-old-b'), '-n', orgB.name], oldTenant.kubeconfig);
  applyAs(oldTenant, readerJob('read-before'));
  expect((await resolved(oldTenant, 'read-before')).status?.phase).not.toBe('Failed');
  // The platform's administrator deletes B and later creates a namespace of the same name.
  await deleteNamespace(orgB.name);
  await createNamespace(orgB.name);
}, 300_000);
afterAll(async () => {
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
  await kube().core.deleteNamespace({ name: orgB.name }).catch(() => undefined);
});

describe('a namespace deleted and created again under the same name', () => {
  it("cannot pull the old namespace's file set: NotFound through the workstation API and the CLI, and nothing is granted", async () => {
    const newTenant = await tenantOf(orgB.name, 'new-tenant');
    const newUid = await namespaceUid(orgB.name);
    expect(newUid).not.toBe(oldUid);
    const api = await refusal(filesApi(newTenant.config).fileSet(orgB.name, oldDigest));
    expect(api.reason).toBe('NotFound');
    expect(api.message).toContain(`filesets.files.tessera.dev "${oldDigest}" not found in namespace "${orgB.name}"`);
    const out = join(scratch, 'pulled-by-new-b');
    await expect(tesseraCli(['fileset', 'pull', oldDigest, out, '-n', orgB.name], newTenant.kubeconfig)).rejects.toThrow(/Error from server \(NotFound\)/);
    await expect(readFile(join(out, 'records.csv'))).rejects.toThrow(/ENOENT/);
    // The old namespace's holding is its own (until collected); the new one holds nothing.
    expect((await grantsOf(oldDigest)).filter((key) => key.includes(newUid))).toEqual([]);
  });

  it("cannot run a Job on a Dataset that authorized the old namespace: Unauthorized naming the re-creation, no pod, and the Dataset says how to re-authorize", async () => {
    const newTenant = await tenantOf(orgB.name, 'new-tenant');
    const newUid = await namespaceUid(orgB.name);
    applyAs(newTenant, readerJob('read-after'));
    const job = await resolved(newTenant, 'read-after');
    expect(job.status).toMatchObject({
      phase: 'Failed',
      reason: 'Unauthorized',
      message: `input data: namespace ${orgB.name} was deleted and created again since Dataset ${orgA.name}/patients authorized it (uid ${oldUid}, now ${newUid}): the new namespace is not authorized until the Dataset's owner re-authorizes it`,
    });
    expect(job.status?.inputs ?? []).toEqual([]);
    await waitFor('a Warning event on read-after', () => eventsOf(orgB.name, 'read-after').some((e) => e.startsWith('Warning/Unauthorized: input data: namespace')));
    expect(await podsAnywhere('tessera.dev/job=read-after')).toEqual([]);
    expect(kubectl(['get', 'jobs.batch', '-A', '-l', 'tessera.dev/job=read-after', '-o', 'name']).trim()).toBe('');

    // The data's owner is told which namespace and what to do, on the Dataset and in an event.
    const dataset = await waitFor('patients reports B re-created', () => {
      const d = kubectlGet<Dataset>(orgA.name, 'datasets.tessera.dev', 'patients');
      return d.status?.conditions?.some((c) => c.type === 'AuthorizationsCurrent' && c.status === 'False') ? d : undefined;
    });
    expect(dataset.status?.authorizations).toEqual([{ namespace: orgB.name, uid: oldUid }]);
    const condition = dataset.status?.conditions?.find((c) => c.type === 'AuthorizationsCurrent');
    expect(condition).toMatchObject({ reason: 'NamespaceRecreated' });
    expect(condition?.message).toContain(`namespace ${orgB.name} (authorized uid ${oldUid}, now ${newUid}) was deleted and created again`);
    expect(condition?.message).toContain(`remove ${orgB.name} from spec.permissions, wait until status.authorizations no longer lists it, then add it back`);
    await waitFor('a Warning event on patients', () => eventsOf(orgA.name, 'patients').some((e) => e.startsWith('Warning/NamespaceRecreated: namespace')));
  });

  it("authorizes the new namespace once the Dataset's owner removes it and adds it back", async () => {
    const newTenant = await tenantOf(orgB.name, 'new-tenant');
    const newUid = await namespaceUid(orgB.name);
    const permissions = (read: string[]): string => JSON.stringify({ spec: { permissions: { read: { authorizedNamespaces: read } } } });
    kubectl(['patch', 'datasets.tessera.dev', 'patients', '-n', orgA.name, '--type=merge', '-p', permissions([])]);
    await waitFor('patients drops B', () => (kubectlGet<Dataset>(orgA.name, 'datasets.tessera.dev', 'patients').status?.authorizations ?? []).length === 0);
    kubectl(['patch', 'datasets.tessera.dev', 'patients', '-n', orgA.name, '--type=merge', '-p', permissions([orgB.name])]);
    await waitFor('patients records the new B', () => kubectlGet<Dataset>(orgA.name, 'datasets.tessera.dev', 'patients').status?.authorizations?.[0]?.uid === newUid);
    applyAs(newTenant, readerJob('read-reauthorized'));
    const job = await resolved(newTenant, 'read-reauthorized');
    expect(job.status?.phase).not.toBe('Failed');
    expect(job.status?.inputs?.[0]?.source).toBe(`dataset ${orgA.name}/patients v1`);
  });
});
