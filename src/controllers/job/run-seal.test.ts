import { describe, expect, it } from 'vitest';
import type * as k8s from '@kubernetes/client-node';
import { makeJob, readyRun } from '../../../test/support/job-builders.ts';
import { trimBatchJob, trimPod } from '../../operator/cache-trim.ts';
import { resultSigningKey } from '../../storage/result-record.ts';
import { defaultJobRuntimeConfig, desiredBatchJob } from './desired.ts';
import { namesInSeal, observedViewAnnotation, runSealAnnotation, runViewHash, verifyRunSeal, type RunSubject } from './run-seal.ts';

const key = resultSigningKey('k'.repeat(32));
const otherKey = resultSigningKey('o'.repeat(32));
const job = makeJob('train').outputs('model').spec({ env: [{ name: 'MODE', value: 'fast' }] }).obj();
const batch = desiredBatchJob(job, readyRun(job), defaultJobRuntimeConfig, [key]);
const template = batch.spec!.template;
const seal = template.metadata!.annotations![runSealAnnotation]!;
const subject: RunSubject = { namespace: job.metadata.namespace ?? '', jobUid: job.metadata.uid ?? '', batchJob: batch.metadata!.name! };

const clone = <T>(value: T): T => structuredClone(value);

/** The pod the batch Job controller makes from the template, as the API server returns it. */
function podFromTemplate(edit: (spec: k8s.V1PodSpec) => void = () => {}): k8s.V1PodSpec {
  const spec = clone(template.spec!);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    Object.assign(c, { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    c.volumeMounts = [...(c.volumeMounts ?? []).map((m) => ({ ...m, readOnly: m.readOnly ?? false })), { name: 'kube-api-access-x1', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }];
  }
  for (const v of spec.volumes ?? []) {
    if (v.projected) v.projected = { ...v.projected, defaultMode: 420, sources: v.projected.sources?.map((s) => (s.serviceAccountToken ? { serviceAccountToken: { expirationSeconds: 3600, ...s.serviceAccountToken } } : s)) };
  }
  spec.volumes = [...(spec.volumes ?? []), { name: 'kube-api-access-x1', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }];
  spec.nodeName = 'node-1';
  edit(spec);
  return spec;
}

const verifies = (spec: k8s.V1PodSpec, keys = [key], as: RunSubject = subject): boolean => verifyRunSeal(keys, as, seal, runViewHash(spec, namesInSeal(seal)!));
const mainOf = (spec: k8s.V1PodSpec): k8s.V1Container => spec.containers.find((c) => c.name === 'main')!;

describe('the run seal', () => {
  it('verifies on the pod the API server makes from the template: defaults, the service-account mount and the node do not count', () => {
    expect(template.spec!.initContainers?.length).toBeGreaterThan(0);
    expect(verifies(podFromTemplate())).toBe(true);
  });

  it('verifies with any key of the ring, so a rotation keeps live runs', () => {
    expect(verifies(podFromTemplate(), [otherKey, key])).toBe(true);
    expect(verifies(podFromTemplate(), [otherKey])).toBe(false);
  });

  it.each([
    { name: 'another image in main', edit: (s: k8s.V1PodSpec) => void (mainOf(s).image = 'evil/exfiltrate:1') },
    { name: 'other args in main', edit: (s: k8s.V1PodSpec) => void (mainOf(s).args = ['cat', '/tessera/inputs']) },
    { name: 'a command in main', edit: (s: k8s.V1PodSpec) => void (mainOf(s).command = ['sh']) },
    { name: 'other environment in main', edit: (s: k8s.V1PodSpec) => void (mainOf(s).env = [{ name: 'MODE', value: 'slow' }]) },
    { name: 'a container that mounts the work volume', edit: (s: k8s.V1PodSpec) => void s.containers.push({ name: 'spy', image: 'evil/spy:1', volumeMounts: [{ name: mainOf(s).volumeMounts![0]!.name, mountPath: '/w' }] }) },
    { name: 'an ephemeral container that mounts the work volume', edit: (s: k8s.V1PodSpec) => void (s.ephemeralContainers = [{ name: 'debugger', image: 'busybox', volumeMounts: [{ name: mainOf(s).volumeMounts![0]!.name, mountPath: '/w' }] }]) },
    { name: 'the pull mover gone', edit: (s: k8s.V1PodSpec) => void (s.initContainers = s.initContainers?.filter((c) => c.name !== 'pull')) },
    { name: 'the work volume from a host path', edit: (s: k8s.V1PodSpec) => void (s.volumes = s.volumes?.map((v) => (v.emptyDir ? { name: v.name, hostPath: { path: '/data' } } : v))) },
    { name: 'main mounting the work volume elsewhere', edit: (s: k8s.V1PodSpec) => void (mainOf(s).volumeMounts = mainOf(s).volumeMounts?.map((m) => ({ ...m, mountPath: '/elsewhere' }))) },
  ])('does not verify with $name', ({ edit }) => {
    expect(verifies(podFromTemplate(edit))).toBe(false);
  });

  it('does not verify for another run: namespace, Tessera Job or batch Job name', () => {
    const spec = podFromTemplate();
    expect(verifies(spec, [key], { ...subject, namespace: 'other' })).toBe(false);
    expect(verifies(spec, [key], { ...subject, jobUid: 'another-uid' })).toBe(false);
    expect(verifies(spec, [key], { ...subject, batchJob: 'squatted-run-0' })).toBe(false);
  });

  it('refuses malformed seals', () => {
    const hash = runViewHash(podFromTemplate(), namesInSeal(seal)!);
    for (const bad of [undefined, '', 'v1;main;;zz', `v2${seal.slice(2)}`, seal.replace(/;[0-9a-f]{64}$/, `;${'0'.repeat(64)}`), `${seal};x`]) {
      expect(verifyRunSeal([key], subject, bad, hash)).toBe(false);
    }
    expect(namesInSeal('v1;Main,..;x;' + '0'.repeat(64))).toBeUndefined();
  });
});

describe('the caches keep the seal and the sealed view, and nothing a tenant writes under those keys', () => {
  const podOf = (spec: k8s.V1PodSpec, annotations: Record<string, string>): k8s.V1Pod => ({ metadata: { name: 'p', namespace: subject.namespace, annotations }, spec });

  it('a pod: the view of its spec, computed before the spec is dropped', () => {
    const cached = trimPod(podOf(podFromTemplate(), { [runSealAnnotation]: seal, [observedViewAnnotation]: 'forged' }));
    const annotations = cached.metadata!.annotations!;
    expect(annotations[observedViewAnnotation]).not.toBe('forged');
    expect(verifyRunSeal([key], subject, annotations[runSealAnnotation], annotations[observedViewAnnotation])).toBe(true);
  });

  it('a pod with no seal: neither key survives', () => {
    const cached = trimPod(podOf(podFromTemplate(), { [observedViewAnnotation]: 'forged', other: 'kept' }));
    expect(cached.metadata!.annotations).toEqual({ other: 'kept' });
  });

  it("a batch Job: its template's seal and view, not its own annotations", () => {
    const squatter = clone(batch);
    squatter.metadata!.annotations = { ...squatter.metadata!.annotations, [runSealAnnotation]: seal };
    mainOf(squatter.spec!.template.spec!).image = 'evil/exfiltrate:1';
    const cached = trimBatchJob(squatter).metadata!.annotations!;
    expect(verifyRunSeal([key], subject, cached[runSealAnnotation], cached[observedViewAnnotation])).toBe(false);
    const genuine = trimBatchJob(clone(batch)).metadata!.annotations!;
    expect(verifyRunSeal([key], subject, genuine[runSealAnnotation], genuine[observedViewAnnotation])).toBe(true);
  });
});
