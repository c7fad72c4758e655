import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as k8s from '@kubernetes/client-node';
import { makeJob, readyRun } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import { defaultWorkDirSize } from '../../api/common.ts';
import type { TesseraJob } from '../../api/job.ts';
import { defaultJobRuntimeConfig, defaultMoverImage, desiredBatchJob, type JobRuntimeConfig } from './desired.ts';
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

  it('asks for resources.disk as ephemeral-storage and bounds the work directory by it', () => {
    const job = makeJob('train').outputs('model').spec({ resources: { disk: '50Gi' } }).obj();
    const pod = desiredFor(job).spec!.template.spec!;
    expect(pod.containers[0]!.resources).toEqual({ requests: { 'ephemeral-storage': '50Gi' }, limits: { 'ephemeral-storage': '50Gi' } });
    expect(pod.volumes?.find((v) => v.emptyDir)?.emptyDir).toEqual({ sizeLimit: '50Gi' });
  });

  it('bounds the work directory by the default without asking for disk when resources.disk is unset', () => {
    const pod = desiredFor(makeJob('train').outputs('model').obj()).spec!.template.spec!;
    expect(pod.containers[0]!.resources).toBeUndefined();
    expect(pod.volumes?.find((v) => v.emptyDir)?.emptyDir).toEqual({ sizeLimit: defaultWorkDirSize });
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

  it('does not fail a queued run on exit code 137, which is how a run Kueue preempts is killed', () => {
    const queued = desiredFor(makeJob('a').spec({ queueName: 'gpus' }).obj()).spec!.podFailurePolicy!.rules;
    expect(queued).toEqual([{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }]);
    const listed = desiredFor(makeJob('b').spec({ queueName: 'gpus', failOnExitCodes: [3] }).obj()).spec!.podFailurePolicy!.rules;
    expect(listed[1]).toMatchObject({ action: 'FailJob', onExitCodes: { values: [3] } });
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

  it('writes TESSERA_PARAMS to /tessera/params.json through the pod annotation it travels in', () => {
    const params = '{"layers":2,"lr":0.003}';
    const job = makeJob('a').spec({ env: [{ name: 'TESSERA_PARAMS', value: params }, { name: 'TESSERA_PARAM_LR', value: '0.003' }] }).obj();
    const template = desiredFor(job).spec!.template;
    expect(template.metadata!.annotations).toEqual({ 'tessera.dev/params': params });
    const volume = template.spec!.volumes!.find((v) => v.downwardAPI)!;
    expect(volume.downwardAPI!.items).toEqual([{ path: 'params.json', fieldRef: { fieldPath: "metadata.annotations['tessera.dev/params']" } }]);
    expect(template.spec!.containers[0]!.volumeMounts).toEqual([{ name: volume.name, mountPath: '/tessera/params.json', subPath: 'params.json', readOnly: true }]);
  });

  it('writes no params file for a run without TESSERA_PARAMS', () => {
    const template = desiredFor(makeJob('a').spec({ env: [{ name: 'EPOCHS', value: '3' }] }).obj()).spec!.template;
    expect(template.spec!.volumes).toBeUndefined();
    expect(template.spec!.containers[0]!.volumeMounts).toBeUndefined();
    expect(template.metadata!.annotations).toBeUndefined();
  });

  it('copies only simulation annotations onto the pod', () => {
    const job = makeJob('a').annotate('sim.tessera.dev/run-for', '5s').annotate('note', 'private').obj();
    expect(desiredFor(job).spec!.template.metadata!.annotations).toEqual({ 'sim.tessera.dev/run-for': '5s' });
  });
});

describe('desiredBatchJob of a run that moves file sets', () => {
  const moverConfig: JobRuntimeConfig = { ...config, moverImage: 'tessera/operator:test', transferUrl: 'http://tessera.tessera-system:8090', uploadGraceSeconds: 900 };
  const podFor = (job: TesseraJob, withConfig = moverConfig): k8s.V1PodSpec => desiredBatchJob(job, readyRun(job), withConfig).spec!.template.spec!;
  const fullJob = makeJob('train').fileSetInput('data', digestOf('data')).outputs('model').code(digestOf('code')).obj();
  const tokenVolume = (pod: k8s.V1PodSpec): string | undefined => pod.volumes?.find((v) => v.projected)?.name;

  it('pulls inputs in an init container, then pushes outputs from a native sidecar, both on the mover image', () => {
    const pod = podFor(fullJob);
    expect(pod.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['pull', undefined],
      ['push', 'Always'],
    ]);
    for (const mover of pod.initContainers ?? []) {
      expect(mover.image).toBe('tessera/operator:test');
      expect(mover.env).toContainEqual({ name: 'TESSERA_TRANSFER_URL', value: 'http://tessera.tessera-system:8090' });
    }
    expect(pod.terminationGracePeriodSeconds).toBe(900);
  });

  it('gives the pod-bound transfer token to the mover containers only', () => {
    const pod = podFor(fullJob);
    const token = pod.volumes?.find((v) => v.projected);
    expect(token?.projected?.sources).toEqual([{ serviceAccountToken: expect.objectContaining({ audience: 'tessera.dev/transfer' }) as unknown }]);
    for (const mover of pod.initContainers ?? []) expect(mover.volumeMounts).toContainEqual(expect.objectContaining({ name: token?.name, readOnly: true }));
    expect(pod.containers[0]!.volumeMounts?.map((m) => m.name)).not.toContain(token?.name);
  });

  it('runs the mover containers under the restricted profile', () => {
    for (const mover of podFor(fullJob).initContainers ?? []) {
      expect(mover.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });

  it.each([
    {
      name: 'inputs, outputs and code',
      job: fullJob,
      wantMounts: [
        ['/tessera/inputs', true],
        ['/tessera/outputs', undefined],
        ['/tessera/code', true],
      ],
      wantMovers: ['pull', 'push'],
    },
    {
      name: 'inputs only',
      job: makeJob('train').fileSetInput('data', digestOf('data')).obj(),
      wantMounts: [
        ['/tessera/inputs', true],
        ['/tessera/outputs', undefined],
      ],
      wantMovers: ['pull'],
    },
    {
      name: 'code only',
      job: makeJob('train').code(digestOf('code')).obj(),
      wantMounts: [
        ['/tessera/inputs', true],
        ['/tessera/outputs', undefined],
        ['/tessera/code', true],
      ],
      wantMovers: ['pull'],
    },
  ])("mounts $name into main, read-only but for the outputs", ({ job, wantMounts, wantMovers }) => {
    const pod = podFor(job);
    expect(pod.containers[0]!.volumeMounts?.map((m) => [m.mountPath, m.readOnly])).toEqual(wantMounts);
    expect(pod.initContainers?.map((c) => c.name)).toEqual(wantMovers);
  });

  it('gives a run without file sets a bare pod', () => {
    const pod = podFor(makeJob('train').obj());
    expect(pod.initContainers).toBeUndefined();
    expect(pod.volumes).toBeUndefined();
    expect(pod.containers[0]!.volumeMounts).toBeUndefined();
    expect(pod.terminationGracePeriodSeconds).toBeUndefined();
    expect(tokenVolume(pod)).toBeUndefined();
  });
});

describe('desiredBatchJob with operator-wide placement', () => {
  const placed: JobRuntimeConfig = {
    ...config,
    podNodeSelector: { pool: 'tessera' },
    podTolerations: [{ key: 'dedicated', operator: 'Equal', value: 'tessera', effect: 'NoSchedule' }],
  };

  it("adds the operator's node selector and tolerations to the Job's own", () => {
    const job = makeJob('a').gpu(1).spec({ nodeSelector: { zone: 'z1' }, tolerations: [{ key: 'team', operator: 'Exists' }] }).obj();
    const pod = desiredBatchJob(job, readyRun(job), placed).spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ pool: 'tessera', zone: 'z1' });
    expect(pod.tolerations?.map((t) => t.key)).toEqual(['team', 'dedicated', 'nvidia.com/gpu']);
  });

  it("keeps a Job from steering its pod off the operator's nodes", () => {
    const job = makeJob('a').spec({ nodeSelector: { pool: 'elsewhere' } }).obj();
    expect(desiredBatchJob(job, readyRun(job), placed).spec!.template.spec!.nodeSelector).toEqual({ pool: 'tessera' });
  });
});

describe('desiredBatchJob of a run retried for a lost result', () => {
  it.each([
    { name: 'the first run', status: undefined, wantName: batchJobName('train', 'uid-train', 0), wantBackoffLimit: 3 },
    { name: 'a second run after one attempt', status: { run: 1, priorAttempts: 1 }, wantName: batchJobName('train', 'uid-train', 1), wantBackoffLimit: 2 },
    { name: 'a third run after three attempts', status: { run: 2, priorAttempts: 3 }, wantName: batchJobName('train', 'uid-train', 2), wantBackoffLimit: 0 },
    { name: 'a run with more prior attempts than retries', status: { run: 3, priorAttempts: 5 }, wantName: batchJobName('train', 'uid-train', 3), wantBackoffLimit: 0 },
  ])('$name: its own batch Job, with the retries left', ({ status, wantName, wantBackoffLimit }) => {
    const builder = makeJob('train').retries(3);
    const job = (status ? builder.status(status) : builder).obj();
    const batch = desiredFor(job);
    expect(batch.metadata!.name).toBe(wantName);
    expect(batch.spec!.backoffLimit).toBe(wantBackoffLimit);
  });

  it('names each run differently', () => {
    const names = [0, 1, 2].map((run) => desiredFor(makeJob('train').status({ run }).obj()).metadata!.name);
    expect(new Set(names).size).toBe(3);
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

describe('defaultMoverImage', () => {
  it("is the operator's image at the chart's appVersion and package.json's version", () => {
    const chart = readFileSync(new URL('../../../charts/tessera/Chart.yaml', import.meta.url), 'utf8');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(defaultMoverImage).toBe(`tessera/operator:${pkg.version}`);
    expect(chart).toMatch(new RegExp(`^appVersion: "${pkg.version}"$`, 'm'));
  });
});
