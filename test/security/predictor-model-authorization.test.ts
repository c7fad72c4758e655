import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Predictor } from '../../src/api/predictor.ts';
import { digestOf } from '../support/digest.ts';
import { applyAs, eventsOf, getAs, podsAnywhere, pushDataset, tesseraObject } from '../support/authorization.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { predictorCondition, predictorDeployment, trainedModel } from '../support/predictor-runs.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: a tenant serves another organization's model (or data) from a Predictor in its own
// namespace, where its pods would pull the bytes. Organization A trains a model (a Job's output) and
// pushes a Dataset; tenant B, with its own namespace-scoped credentials, applies Predictors naming
// A's Job output and A's file set by digest. Each must be refused NotAuthorized before any
// Deployment or pod exists, with the same words as for a digest that exists nowhere (no oracle of
// what A holds); a file set B holds itself is served, so the refusal is about the grant.

const orgA = useNamespace(import.meta.filename, 'a');
const orgB = useNamespace(import.meta.filename, 'b');
let operator: RunningOperator;
let tenantB: Tenant;
let modelOfA = '';
let dataOfA = '';

beforeAll(async () => {
  installCrds();
  operator = await startOperator('predictor-model-authorization');
  tenantB = await tenantOf(orgB.name);
  modelOfA = await trainedModel(orgA.name, 'train', operator.transferUrl, { 'weights.json': `{"secret": "${orgA.name}"}` });
  dataOfA = await pushDataset(orgA.name, 'patients');
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

const predictor = (name: string, model: unknown): string => tesseraObject('Predictor', name, { model, image: 'local/serve:1' });

/** The Predictor once the operator has said whether its model resolved. */
function resolvedAs(name: string): Promise<Predictor> {
  return waitFor(`Predictor ${name} resolved or refused`, () => {
    const seen = getAs<Predictor>(tenantB, 'predictors.tessera.dev', name);
    return predictorCondition(seen, 'ModelResolved').status ? seen : undefined;
  });
}

async function expectRefused(name: string): Promise<Predictor> {
  const refused = await resolvedAs(name);
  expect(refused.status?.phase).toBe('Failed');
  expect(predictorCondition(refused, 'ModelResolved')).toMatchObject({ status: 'False', reason: 'NotAuthorized' });
  // Stalled: GitOps tools and `helm --wait` report the refusal as a failure, not as work in progress.
  expect(predictorCondition(refused, 'Stalled')).toMatchObject({ status: 'True', reason: 'NotAuthorized' });
  expect(refused.status?.modelDigest).toBeUndefined();
  await waitFor(`a Warning event on ${name}`, () => eventsOf(orgB.name, name).some((e) => e.startsWith('Warning/NotAuthorized')));
  expect(await predictorDeployment(orgB.name, name)).toBeUndefined();
  expect(await podsAnywhere(`tessera.dev/predictor=${name}`)).toEqual([]);
  return refused;
}

describe("a tenant's Predictor naming another organization's model", () => {
  it("is refused NotAuthorized for another namespace's Job output, whether or not it exists: no Deployment, no pod", async () => {
    applyAs(tenantB, predictor('steal-job', { job: { name: 'train', namespace: orgA.name } }));
    applyAs(tenantB, predictor('ghost-job', { job: { name: 'no-such-job', namespace: orgA.name } }));
    const refused = await expectRefused('steal-job');
    const message = predictorCondition(refused, 'ModelResolved').message ?? '';
    expect(message).toBe(`Job ${orgA.name}/train is in another namespace: a Predictor serves its own namespace's Job outputs, or a file set its namespace holds by digest`);
    // Nothing of A's Job leaks into B's status: not its model's digest, not whether it exists.
    expect(JSON.stringify(refused.status)).not.toContain(modelOfA);
    const ghost = await expectRefused('ghost-job');
    expect(predictorCondition(ghost, 'ModelResolved').message).toBe(message.replace('/train ', '/no-such-job '));
  });

  it('is refused NotAuthorized for a digest only A holds, in the words used for a digest that exists nowhere', async () => {
    applyAs(tenantB, predictor('steal-digest', { digest: dataOfA }));
    applyAs(tenantB, predictor('ghost-digest', { digest: digestOf(`nowhere/${orgB.name}`) }));
    const stolen = await expectRefused('steal-digest');
    const ghost = await expectRefused('ghost-digest');
    const words = (p: Predictor): string | undefined => predictorCondition(p, 'ModelResolved').message?.replace(/sha256:[0-9a-f]{64}/, 'DIGEST');
    expect(words(stolen)).toBe(words(ghost));
  });

  it('serves a file set its own namespace holds: the refusals above are about the grant', async () => {
    const own = await pushDataset(orgB.name, 'own-model');
    applyAs(tenantB, predictor('own', { digest: own }));
    const served = await resolvedAs('own');
    expect(predictorCondition(served, 'ModelResolved')).toMatchObject({ status: 'True', reason: 'Resolved' });
    await waitFor('the Deployment own-predictor', () => predictorDeployment(orgB.name, 'own'));
    expect(kubectl(['get', 'deployment', 'own-predictor', '-n', orgB.name, '-o', 'jsonpath={.spec.template.metadata.annotations.tessera\\.dev/model-digest}'])).toBe(own);
  });
});
