import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: a tenant (or its organization's admission policy) makes the API server refuse what the
// operator creates for it: a nodeSelector no label can hold, a batch Job a namespace policy denies, a
// plan task's Job a policy denies. The operator must not retry forever with an error-level log loop;
// the Job (or the task) fails InvalidSpec in the server's words, with one Warning, and nothing runs.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let tenant: Tenant;
const policies = { batch: '', tessera: '' };

const tesseraObject = (kind: string, metadata: Record<string, unknown>, spec: unknown): string => JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata, spec });
const getJob = (name: string): TesseraJob => kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', name);

/** An organization's admission policy, bound to the test namespace only: denies `rule` on `resource`. */
function denyPolicy(name: string, resource: { group: string; version: string; resource: string }, expression: string, message: string): string {
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [resource.group], apiVersions: [resource.version], resources: [resource.resource], operations: ['CREATE'] }] },
      validations: [{ expression, message }],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns.name } } } },
  };
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [policy, binding] }));
  return name;
}

function warnings(kind: string, name: string): Array<{ reason: string; message: string; count: number }> {
  const list = JSON.parse(kubectl(['get', 'events', '-n', ns.name, '--field-selector', `involvedObject.kind=${kind},involvedObject.name=${name},type=Warning`, '-o', 'json'])) as {
    items: Array<{ reason?: string; message?: string; count?: number }>;
  };
  return list.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1 }));
}

/** Error-level lines of the operator's log (pino level 50 and up) about this test's namespace. */
function errorLines(): string[] {
  return readFileSync(operator.logFile, 'utf8').split('\n').filter((line) => /"level":"(error|fatal)"/.test(line) && line.includes(ns.name));
}

beforeAll(async () => {
  installCrds();
  const suffix = ns.name.slice(-5);
  policies.batch = denyPolicy(`t-nobatch-${suffix}`, { group: 'batch', version: 'v1', resource: 'jobs' }, "object.spec.template.spec.containers.all(c, !c.image.startsWith('nobatch/'))", 'images from nobatch/ may not run in this namespace');
  policies.tessera = denyPolicy(`t-notask-${suffix}`, { group: 'tessera.dev', version: 'v1alpha1', resource: 'jobs' }, "!has(object.spec.image) || !object.spec.image.startsWith('forbidden/')", 'forbidden/ images are not allowed here');
  operator = await startOperator('job-refused-children');
  tenant = await tenantOf(ns.name);
  // A policy takes a moment to reach the API server's admission chain.
  await waitFor('the Tessera policy to deny', () => {
    try {
      kubectl(['create', '--dry-run=server', '-n', ns.name, '-f', '-'], tesseraObject('Job', { name: 'probe' }, { image: 'forbidden/x:1' }));
      return undefined;
    } catch {
      return true;
    }
  }, 30_000);
});
afterAll(async () => {
  await operator?.stop();
  for (const name of Object.values(policies)) if (name) kubectl(['delete', 'validatingadmissionpolicy,validatingadmissionpolicybinding', name, '--ignore-not-found']);
});

describe('what the API server refuses', () => {
  it('a nodeSelector value no label can hold is refused when the tenant creates the Job, before anything runs', () => {
    const created = tenant.tryKubectl(['create', '-n', ns.name, '-f', '-'], tesseraObject('Job', { name: 'spaced' }, { image: 'local/sim:1', nodeSelector: { zone: 'eu west' } }));
    expect(created.status).not.toBe(0);
    expect(created.stderr).toMatch(/spec.nodeSelector.zone.*(should match|must be)/s);
    const keyed = tenant.tryKubectl(['create', '-n', ns.name, '-f', '-'], tesseraObject('Job', { name: 'spaced-key' }, { image: 'local/sim:1', nodeSelector: { 'my zone': 'eu' } }));
    expect(keyed.status).not.toBe(0);
    expect(keyed.stderr).toMatch(/label key/);
    expect(tenant.tryKubectl(['get', 'jobs.tessera.dev', 'spaced', '-n', ns.name]).status).not.toBe(0);
  });

  it('a batch Job a namespace policy denies fails the Job InvalidSpec in the server words, once, without an error loop', async () => {
    tenant.kubectl(['create', '-n', ns.name, '-f', '-'], tesseraObject('Job', { name: 'denied' }, { image: 'nobatch/train:1' }));
    const job = await waitFor('the Job to fail', () => {
      const j = getJob('denied');
      return j.status?.phase === 'Failed' ? j : undefined;
    });
    expect(job.status).toMatchObject({ phase: 'Failed', reason: 'InvalidSpec' });
    expect(job.status?.message).toMatch(/^the API server refused the batch Job: .*images from nobatch\/ may not run in this namespace/);
    expect(job.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    // Left alone for a while, it stays as it is: no batch Job, one Warning, no error-level log line.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const batchJobs = await kube().batch.listNamespacedJob({ namespace: ns.name, labelSelector: 'tessera.dev/job=denied' });
    expect(batchJobs.items).toEqual([]);
    expect(warnings('Job', 'denied').filter((w) => w.reason === 'InvalidSpec').reduce((n, w) => n + w.count, 0)).toBe(1);
    expect(getJob('denied').metadata.resourceVersion).toBe(job.metadata.resourceVersion);
    expect(errorLines()).toEqual([]);
  });

  it("a plan task whose Job a policy denies fails InvalidSpec with the server's message, and FailFast applies", async () => {
    tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], tesseraObject('Algo', { name: 'denied' }, { image: 'forbidden/train:1', category: 'train' }));
    tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], tesseraObject('Algo', { name: 'slow' }, { image: 'local/sim:1', category: 'train' }));
    const spec = { tasks: [{ name: 'bad', algoRef: { name: 'denied' }, inputs: [] }, { name: 'slow', algoRef: { name: 'slow' }, inputs: [] }] };
    tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], tesseraObject('ComputePlan', { name: 'refused', annotations: { 'sim.tessera.dev/run-for': '300s' } }, spec));
    const plan = await waitFor('the plan to fail', () => {
      const p = kubectlGet<ComputePlan>(ns.name, 'computeplans.tessera.dev', 'refused');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 90_000);
    const failed = plan.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(failed?.message).toMatch(/bad \(InvalidSpec\).*the API server refused Job .*forbidden\/ images are not allowed here/);
    expect(plan.status?.refusedTasks?.map((r) => r.task)).toEqual(['bad']);
    expect(plan.status?.counts).toMatchObject({ failed: 1, canceled: 1 });
    const events = warnings('ComputePlan', 'refused').filter((w) => w.message.startsWith('task bad: '));
    expect(events[0]?.message).toMatch(/forbidden\/ images are not allowed here/);
    expect(events.reduce((n, w) => n + w.count, 0)).toBe(1);
    expect(errorLines()).toEqual([]);
  });
});
