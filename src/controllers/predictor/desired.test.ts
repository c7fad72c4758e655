import { describe, expect, it } from 'vitest';
import { makePredictor, modelDigest } from '../../../test/support/predictor-builders.ts';
import { digestOf } from '../../../test/support/digest.ts';
import { defaultJobRuntimeConfig } from '../job/desired.ts';
import { verifyRunSeal, runSealAnnotation, runViewHash, namesInSeal } from '../job/run-seal.ts';
import { deploymentHashAnnotation, desiredDeployment, desiredService, modelDigestAnnotation, predictorSealSubject } from './desired.ts';
import type { ResolvedPredictor } from './resolve.ts';

const keys = [Buffer.from('k'.repeat(32))];
const resolved = (fields: Partial<ResolvedPredictor['server']> = {}, digest = modelDigest()): ResolvedPredictor => ({
  model: { digest, source: 'job team-a/train/model' },
  server: { image: 'local/serve:1', command: ['node', 'serve.js'], ...fields },
});

describe('desiredDeployment', () => {
  it('pulls the model with the mover, then serves it on the port with a TCP readiness probe', () => {
    const deployment = desiredDeployment(makePredictor().spec({ port: 9000 }).obj(), resolved(), defaultJobRuntimeConfig, keys);
    const pod = deployment.spec!.template.spec!;
    expect(deployment.metadata).toMatchObject({ name: 'serve-predictor', namespace: 'team-a', ownerReferences: [{ kind: 'Predictor', name: 'serve', uid: 'uid-serve', controller: true, blockOwnerDeletion: true }] });
    expect(pod.initContainers!.map((c) => [c.name, c.image, c.args])).toEqual([['pull', defaultJobRuntimeConfig.moverImage, ['transfer', 'pull']]]);
    const main = pod.containers[0]!;
    expect(main).toMatchObject({ name: 'main', image: 'local/serve:1', command: ['node', 'serve.js'], ports: [{ containerPort: 9000 }], readinessProbe: { tcpSocket: { port: 9000 } } });
    expect(main.volumeMounts).toEqual([{ name: 'tessera', mountPath: '/tessera/inputs', subPath: 'inputs', readOnly: true }]);
    expect(main.env).toContainEqual({ name: 'TESSERA_MODEL_DIR', value: '/tessera/inputs/model' });
    // Only the mover holds the token.
    expect(pod.containers.flatMap((c) => c.volumeMounts ?? []).map((m) => m.name)).not.toContain('tessera-token');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(main.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  });

  it('rolls out with maxUnavailable 0, and a new model is a new template and a new hash', () => {
    const predictor = makePredictor().spec({ replicas: 3 }).obj();
    const first = desiredDeployment(predictor, resolved(), defaultJobRuntimeConfig, keys);
    const second = desiredDeployment(predictor, resolved({}, modelDigest('model-b')), defaultJobRuntimeConfig, keys);
    const [spec1, spec2] = [first.spec!, second.spec!];
    expect(spec1.replicas).toBe(3);
    expect(spec1.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(spec1.template.metadata!.annotations![modelDigestAnnotation]).toBe(modelDigest());
    expect(spec2.template.metadata!.annotations![modelDigestAnnotation]).toBe(modelDigest('model-b'));
    expect(first.metadata!.annotations![deploymentHashAnnotation]).not.toBe(second.metadata!.annotations![deploymentHashAnnotation]);
    expect(desiredDeployment(predictor, resolved(), defaultJobRuntimeConfig, keys).metadata!.annotations).toEqual(first.metadata!.annotations);
  });

  it('selects its pods by the Predictor name and uid, which the Service selects too', () => {
    const predictor = makePredictor().obj();
    const deployment = desiredDeployment(predictor, resolved(), defaultJobRuntimeConfig, keys);
    const selector = { 'tessera.dev/predictor': 'serve', 'tessera.dev/predictor-uid': 'uid-serve' };
    expect(deployment.spec?.selector.matchLabels).toEqual(selector);
    expect(deployment.spec?.template.metadata?.labels).toMatchObject({ ...selector, 'app.kubernetes.io/managed-by': 'tessera' });
    expect(desiredService(predictor).spec?.selector).toEqual(selector);
  });

  it("translates resources as a Job's: requests = limits, the GPU's toleration and product", () => {
    const pod = desiredDeployment(makePredictor().obj(), resolved({ resources: { cpu: 2, memory: '4Gi', gpu: 1, gpuProduct: 'NVIDIA-A100' } }), defaultJobRuntimeConfig, keys).spec?.template.spec;
    expect(pod?.containers[0]?.resources).toEqual({ requests: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }, limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } });
    expect(pod?.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod?.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100' });
  });

  it("mounts an Algo's code read-only at /tessera/code", () => {
    const pod = desiredDeployment(makePredictor().obj(), resolved({ code: digestOf('code') }), defaultJobRuntimeConfig, keys).spec?.template.spec;
    expect(pod?.containers[0]?.volumeMounts).toContainEqual({ name: 'tessera', mountPath: '/tessera/code', subPath: 'code', readOnly: true });
  });

  it('seals the pod template for this Predictor and Deployment: the seal verifies on the template, not for another Predictor', () => {
    const predictor = makePredictor().obj();
    const template = desiredDeployment(predictor, resolved(), defaultJobRuntimeConfig, keys).spec?.template;
    const seal = template?.metadata?.annotations?.[runSealAnnotation];
    const view = runViewHash(template?.spec, namesInSeal(seal) ?? { containers: [], volumes: [] });
    expect(verifyRunSeal(keys, predictorSealSubject(predictor), seal, view)).toBe(true);
    const other = makePredictor().obj();
    other.metadata.uid = 'uid-other';
    expect(verifyRunSeal(keys, predictorSealSubject(other), seal, view)).toBe(false);
  });

  it('copies the simulation annotations onto the pods, for kwok', () => {
    const template = desiredDeployment(makePredictor().annotations({ 'sim.tessera.dev/run-for': '1h', other: 'x' }).obj(), resolved(), defaultJobRuntimeConfig).spec?.template;
    expect(template?.metadata?.annotations).toMatchObject({ 'sim.tessera.dev/run-for': '1h' });
    expect(template?.metadata?.annotations?.other).toBeUndefined();
  });
});

describe('desiredService', () => {
  it('is a ClusterIP Service NAME-predictor on the port, owned by the Predictor', () => {
    const service = desiredService(makePredictor().spec({ port: 9000 }).obj());
    expect(service.metadata).toMatchObject({ name: 'serve-predictor', namespace: 'team-a', ownerReferences: [{ kind: 'Predictor', uid: 'uid-serve', controller: true }] });
    expect(service.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 9000, targetPort: 9000, protocol: 'TCP' }] });
    expect(desiredService(makePredictor().obj()).spec?.ports?.[0]?.port).toBe(8080);
  });
});
