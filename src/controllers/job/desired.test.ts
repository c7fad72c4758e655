import { describe, expect, it } from 'vitest';
import { makeJob, readyRun } from '../../../test/support/job-builders.ts';
import type { TesseraJob } from '../../api/job.ts';
import { defaultJobRuntimeConfig, desiredBatchJob } from './desired.ts';
import { batchJobName } from './names.ts';

const config = defaultJobRuntimeConfig;
const desiredFor = (job: TesseraJob): ReturnType<typeof desiredBatchJob> => desiredBatchJob(job, readyRun(job), config);

describe('desiredBatchJob', () => {
  it('asks for cpu, memory and GPUs with requests equal to limits', () => {
    const batch = desiredFor(makeJob('train').cpu('2', '8Gi').gpu(2).obj());
    const resources = batch.spec!.template.spec!.containers[0]!.resources!;
    const want = { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '2' };
    expect(resources.requests).toEqual(want);
    expect(resources.limits).toEqual(want);
  });

  it.each([
    { name: 'no GPU: no toleration, no selector', job: makeJob('a').cpu('1', '1Gi'), wantToleration: false, wantSelector: undefined },
    { name: 'GPU: the toleration', job: makeJob('a').gpu(1), wantToleration: true, wantSelector: undefined },
    { name: 'GPU product: a node selector', job: makeJob('a').gpu(1, 'NVIDIA-H100'), wantToleration: true, wantSelector: 'NVIDIA-H100' },
  ])('$name', ({ job, wantToleration, wantSelector }) => {
    const pod = desiredFor(job.obj()).spec!.template.spec!;
    expect(pod.tolerations?.some((t) => t.key === 'nvidia.com/gpu') ?? false).toBe(wantToleration);
    expect(pod.nodeSelector?.['nvidia.com/gpu.product']).toBe(wantSelector);
  });

  it('keeps the user tolerations and node selector beside the GPU ones', () => {
    const job = makeJob('a').gpu(1, 'A100').spec({
      tolerations: [{ key: 'team', operator: 'Equal', value: 'a', effect: 'NoSchedule' }],
      nodeSelector: { zone: 'z1' },
    });
    const pod = desiredFor(job.obj()).spec!.template.spec!;
    expect(pod.tolerations?.map((t) => t.key)).toEqual(['team', 'nvidia.com/gpu']);
    expect(pod.nodeSelector).toEqual({ zone: 'z1', 'nvidia.com/gpu.product': 'A100' });
  });

  it('maps retries, timeout and the failure policy onto the batch Job', () => {
    const spec = desiredFor(makeJob('a').retries(3).spec({ timeoutSeconds: 60, failOnExitCodes: [42, 2, 42] }).obj()).spec!;
    expect(spec.backoffLimit).toBe(3);
    expect(spec.activeDeadlineSeconds).toBe(60);
    expect(spec.podReplacementPolicy).toBe('Failed');
    const [ignoreDisruptions, failFast] = spec.podFailurePolicy!.rules;
    expect(ignoreDisruptions).toMatchObject({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
    expect(failFast).toMatchObject({ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [2, 42, 137] } });
  });

  it('runs under the restricted pod security profile', () => {
    const pod = desiredFor(makeJob('a').obj()).spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('creates queued jobs suspended with the Kueue queue label', () => {
    const batch = desiredFor(makeJob('a').spec({ queueName: 'gpu-queue' }).obj());
    expect(batch.spec!.suspend).toBe(true);
    expect(batch.metadata!.labels!['kueue.x-k8s.io/queue-name']).toBe('gpu-queue');
    expect(desiredFor(makeJob('b').obj()).spec!.suspend).toBeUndefined();
  });

  it('passes priority class, service account and env through', () => {
    const job = makeJob('a').spec({ priorityClassName: 'high', serviceAccountName: 'trainer', env: [{ name: 'EPOCHS', value: '3' }] });
    const pod = desiredFor(job.obj()).spec!.template.spec!;
    expect(pod.priorityClassName).toBe('high');
    expect(pod.serviceAccountName).toBe('trainer');
    expect(pod.automountServiceAccountToken).toBeUndefined();
    expect(pod.containers[0]!.env).toEqual([{ name: 'EPOCHS', value: '3' }]);
  });

  it('is owned by the Tessera Job and labelled back to it', () => {
    const batch = desiredFor(makeJob('train', 'team-b').obj());
    expect(batch.metadata!.name).toBe(batchJobName('train', 'uid-train'));
    expect(batch.metadata!.namespace).toBe('team-b');
    expect(batch.metadata!.ownerReferences).toEqual([
      { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', name: 'train', uid: 'uid-train', controller: true, blockOwnerDeletion: true },
    ]);
    expect(batch.spec!.template.metadata!.labels).toMatchObject({ 'tessera.dev/job': 'train', 'tessera.dev/job-uid': 'uid-train' });
  });

  it('copies only simulation annotations onto the pod', () => {
    const job = makeJob('a').annotate('sim.tessera.dev/run-for', '5s').annotate('note', 'private').obj();
    expect(desiredFor(job).spec!.template.metadata!.annotations).toEqual({ 'sim.tessera.dev/run-for': '5s' });
  });
});

describe('batchJobName', () => {
  it('is deterministic, differs per uid and fits in 63 characters', () => {
    const long = 'x'.repeat(80);
    expect(batchJobName('a', 'u1')).toBe(batchJobName('a', 'u1'));
    expect(batchJobName('a', 'u1')).not.toBe(batchJobName('a', 'u2'));
    expect(batchJobName(long, 'u1').length).toBeLessThanOrEqual(63);
    expect(batchJobName(long, 'u1')).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
