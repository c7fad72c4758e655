import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podOfJob } from '../support/job-runs.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podToken } from '../support/pod-runner.ts';
import { allowTenant, tenantOf, type Tenant } from '../support/tenant.ts';
import { callTransfer, type TransferAnswer } from '../support/transfer-calls.ts';

// Threat: a tenant runs its own code as one of the operator's runs, to read the run's inputs (a
// plan's code and parent models lent to its namespace) or to commit its outputs. It creates a bare
// pod that names the run's genuine batch Job as its controller and carries the operator's own
// movers, token volume, labels and annotations, copied from the genuine pod — only the main
// container is its own. Ownership, labels and the movers' shape all check out; what does not is the
// run seal, which covers what every container runs and mounts. The tenant acts with its namespace
// rights only (pods and batch Jobs, as the built-in `edit` role gives them); the forged pod's token
// is the one the kubelet would project into it.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let tenant: Tenant;
let genuine: k8s.V1Pod;

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-forged-pod');
  tenant = await tenantOf(ns.name);
  await allowTenant(ns.name, 'pods', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }]);
  tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: 'train', annotations: { 'sim.tessera.dev/run-for': '300s' } },
    spec: { image: 'local/sim:1', outputs: [{ name: 'model' }] },
  }));
  genuine = await podOfJob(ns.name, 'train', (p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending');
});
afterAll(async () => {
  await operator?.stop();
});

/** Labels that would put the copy under the batch Job controller's management (it would delete an extra pod). */
const jobControllerLabels = ['controller-uid', 'job-name', 'batch.kubernetes.io/controller-uid', 'batch.kubernetes.io/job-name'];

/** A bare pod, made by the tenant, copying the genuine run pod with `editMain` applied to its main container. */
function copyOfGenuine(name: string, editMain: (main: k8s.V1Container) => void = () => {}): k8s.V1Pod {
  const spec = structuredClone(genuine.spec!);
  delete spec.nodeName;
  delete spec.priority;
  editMain(spec.containers.find((c) => c.name === 'main')!);
  const labels = Object.fromEntries(Object.entries(genuine.metadata?.labels ?? {}).filter(([key]) => !jobControllerLabels.includes(key)));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, annotations: genuine.metadata?.annotations, ownerReferences: genuine.metadata?.ownerReferences },
    spec,
  };
}

async function createAsTenant(pod: k8s.V1Pod): Promise<k8s.V1Pod> {
  expect(tenant.kubectl(['create', '-n', ns.name, '-f', '-'], JSON.stringify(pod))).toContain('created');
  return kube().core.readNamespacedPod({ namespace: ns.name, name: pod.metadata!.name! });
}

/** The transfer API's answer to the pod's GET /v1/run once the operator's cache knows the pod. */
function runAnswer(token: string, accept: (answer: TransferAnswer) => boolean = (a) => a.status !== 404): Promise<TransferAnswer> {
  return waitFor('the operator to see the pod', async () => {
    const answer = await callTransfer(operator.transferUrl, 'GET /v1/run', token);
    return accept(answer) ? answer : undefined;
  });
}

/** The tenant's own API client: changes land without a kubectl process's start-up time. */
function tenantCore(): k8s.CoreV1Api {
  const config = new k8s.KubeConfig();
  config.loadFromFile(tenant.kubeconfig);
  return config.makeApiClient(k8s.CoreV1Api);
}

/** Whether the apiserver still has the pod under a controller; once released it never is again. */
async function stillOwned(name: string): Promise<boolean> {
  const pod = await kube().core.readNamespacedPod({ namespace: ns.name, name });
  return pod.metadata?.ownerReferences?.some((r) => r.controller) ?? false;
}

/**
 * Creates an exact copy of the genuine pod, checks it is served, changes its main image and
 * returns the transfer API's answer to the changed pod — or 'released' when the batch Job
 * controller dropped the copy's controller reference before the operator's answer, which makes
 * that answer about ownership, not the seal (the answer is only kept while the pod is still owned
 * after it: the operator's cache never runs ahead of the apiserver).
 */
async function imageSwapOnExactCopy(name: string): Promise<TransferAnswer | 'released'> {
  const copy = await createAsTenant(copyOfGenuine(name));
  const token = await podToken(copy);
  const served = await runAnswer(token);
  if (served.status !== 200 && !(await stillOwned(name))) return 'released';
  expect(served.status).toBe(200);
  // A running pod's image is one of the few things its namespace may still change.
  const main = copy.spec!.containers.findIndex((c) => c.name === 'main');
  await tenantCore().patchNamespacedPod(
    { namespace: ns.name, name, body: [{ op: 'replace', path: `/spec/containers/${main}/image`, value: 'evil/exfiltrate:1' }] },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
  );
  const answer = await runAnswer(token, (a) => a.status !== 200);
  return (await stillOwned(name)) ? answer : 'released';
}

describe("a pod of the tenant's own, posing as the run of a Tessera Job", () => {
  it('is reachable: it names the genuine batch Job as its controller, with the genuine movers and seal annotation', () => {
    const owner = genuine.metadata?.ownerReferences?.find((r) => r.controller);
    expect(owner?.kind).toBe('Job');
    expect(genuine.spec?.initContainers?.map((c) => c.name)).toEqual(['pull', 'push']);
    expect(genuine.metadata?.annotations?.['tessera.dev/run-seal']).toMatch(/^v1;/);
  });

  it('gets 403 naming the run seal when its main container is its own, for reads and commits alike', async () => {
    // As below: a copy the batch Job controller released first is refused for that, so it is tried again.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const name = `forged-main-${attempt}`;
      const forged = await createAsTenant(copyOfGenuine(name, (main) => Object.assign(main, { image: 'evil/exfiltrate:1', args: ['sh', '-c', 'cat /tessera/inputs/*'] })));
      const token = await podToken(forged);
      const answer = await runAnswer(token);
      if (!(await stillOwned(name))) continue;
      expect(answer).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
      expect(answer.body.message).toContain(`pod ${ns.name}/${name} is not a run the operator made`);
      expect(answer.body.message).toContain('run seal');
      expect(await callTransfer(operator.transferUrl, 'POST /v1/upload', token, { output: 'model', manifestDigest: `sha256:${'1'.repeat(64)}`, blobs: [] })).toMatchObject({ status: 403 });
      // The genuine run is served (the control).
      expect((await callTransfer(operator.transferUrl, 'GET /v1/run', await podToken(genuine))).status).toBe(200);
      return;
    }
    throw new Error('the batch Job controller released each of 3 forged pods before the operator judged them');
  });

  it('is served only while it runs exactly what the operator sealed: an exact copy is the same run, until its image is changed', async () => {
    // The batch Job controller releases a pod its selector does not match (the copy lacks its
    // labels) about a second after it sees it; a released pod is refused for that instead, which
    // proves nothing about the seal. So the copy's image changes at once, through the API, and the
    // experiment runs again on a new copy if the release came first anyway.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await imageSwapOnExactCopy(`exact-copy-${attempt}`);
      if (outcome === 'released') continue;
      expect(outcome).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
      expect(outcome.body.message).toContain('run seal');
      return;
    }
    throw new Error('the batch Job controller released each of 3 copies before the operator judged its changed image');
  });
});
