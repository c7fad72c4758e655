import { describe, expect, it } from 'vitest';
import { makeJob, observedBatchJob, observedPod } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import type { Condition } from '../../api/common.ts';
import type { TesseraJobStatus } from '../../api/job.ts';
import type { EffectiveRun, Resolution } from './resolve.ts';
import { jobStatus, refusedStatus, resolutionStatus, type ObservedRun } from './status.ts';

const now = new Date('2026-01-01T01:00:00Z');
const run = (fields: Partial<ObservedRun>): ObservedRun => ({ batchJob: undefined, pods: [], specChangedAfterStart: false, ...fields });

describe('jobStatus', () => {
  it.each([
    { name: 'no batch Job yet', observed: run({}), wantPhase: 'Pending', wantReason: 'Pending' },
    { name: 'suspended by a queue', observed: run({ batchJob: observedBatchJob().suspended().obj() }), wantPhase: 'Queued', wantReason: 'Queued' },
    {
      name: "queued with Kueue's reason",
      observed: run({ batchJob: observedBatchJob().suspended().obj(), workload: { status: { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message: 'insufficient quota for nvidia.com/gpu in flavor gpu' }] } } }),
      wantPhase: 'Queued',
      wantReason: 'Queued',
      wantMessage: /insufficient quota for nvidia.com\/gpu in flavor gpu$/,
    },
    {
      name: 'preempted by Kueue and queued again',
      observed: run({
        batchJob: observedBatchJob().suspended().obj(),
        workload: { status: { conditions: [{ type: 'Evicted', status: 'True', reason: 'Preempted', message: 'Preempted to accommodate a workload (UID: w, JobUID: j)' }] } },
        preemptor: 'org-b/urgent',
      }),
      wantPhase: 'Queued',
      wantReason: 'Preempted',
      wantMessage: /^preempted by Job org-b\/urgent/,
    },
    {
      name: 'pod unschedulable',
      observed: run({ batchJob: observedBatchJob().obj(), pods: [observedPod().unschedulable('0/6 nodes are available: 6 Insufficient nvidia.com/gpu.').obj()] }),
      wantPhase: 'Pending',
      wantReason: 'Unschedulable',
      wantMessage: /Insufficient nvidia.com\/gpu/,
    },
    {
      name: 'image cannot be pulled',
      observed: run({ batchJob: observedBatchJob().obj(), pods: [observedPod().waiting('ImagePullBackOff', 'not found').obj()] }),
      wantPhase: 'Pending',
      wantReason: 'ImagePullBackOff',
    },
    { name: 'pod running', observed: run({ batchJob: observedBatchJob().obj(), pods: [observedPod().on('n1').phase('Running').obj()] }), wantPhase: 'Running', wantReason: 'Running' },
    { name: 'pod succeeded, batch Job not yet complete', observed: run({ batchJob: observedBatchJob().obj(), pods: [observedPod().exited(0).obj()] }), wantPhase: 'Running', wantReason: 'Running' },
    { name: 'pod preempted', observed: run({ batchJob: observedBatchJob().obj(), pods: [observedPod().disrupted().obj()] }), wantPhase: 'Pending', wantReason: 'Preempted' },
    { name: 'batch Job complete', observed: run({ batchJob: observedBatchJob().condition('Complete').counts({ succeeded: 1 }).obj(), pods: [observedPod().exited(0).obj()] }), wantPhase: 'Succeeded', wantReason: 'Completed' },
    {
      name: 'out of memory',
      observed: run({ batchJob: observedBatchJob().condition('Failed', 'PodFailurePolicy').counts({ failed: 1 }).obj(), pods: [observedPod().exited(137, 'OOMKilled').obj()] }),
      wantPhase: 'Failed',
      wantReason: 'OOMKilled',
    },
    {
      name: 'listed exit code',
      observed: run({ batchJob: observedBatchJob().condition('Failed', 'PodFailurePolicy').counts({ failed: 1 }).obj(), pods: [observedPod().exited(42).obj()] }),
      wantPhase: 'Failed',
      wantReason: 'ContainerCrashed',
    },
    {
      name: 'timed out',
      observed: run({ batchJob: observedBatchJob().condition('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline').obj() }),
      wantPhase: 'Failed',
      wantReason: 'DeadlineExceeded',
    },
    {
      name: 'retries used up',
      observed: run({ batchJob: observedBatchJob().condition('Failed', 'BackoffLimitExceeded').counts({ failed: 3 }).obj(), pods: [observedPod().exited(1).obj()] }),
      wantPhase: 'Failed',
      wantReason: 'BackoffLimitExceeded',
      wantMessage: /failed 3 times, the last \(exit code 1\)/,
    },
  ])('$name → $wantPhase/$wantReason', ({ observed, wantPhase, wantReason, wantMessage }) => {
    const status = jobStatus(makeJob('train').obj(), observed, now);
    expect(status.phase).toBe(wantPhase);
    expect(status.reason).toBe(wantReason);
    if (wantMessage) expect(status.message).toMatch(wantMessage);
  });

  it('counts attempts and reports the latest pod, its node and exit code', () => {
    const pods = [observedPod('p1', '2026-01-01T00:00:00Z').on('n1').exited(1).obj(), observedPod('p2', '2026-01-01T00:01:00Z').on('n2').exited(1).obj()];
    const batchJob = observedBatchJob().condition('Failed', 'BackoffLimitExceeded').counts({ failed: 2 }).started('2026-01-01T00:00:00Z').obj();
    const status = jobStatus(makeJob('train').retries(1).obj(), run({ batchJob, pods }), now);
    expect(status).toMatchObject({ attempts: 2, podName: 'p2', nodeName: 'n2', exitCode: 1, startTime: '2026-01-01T00:00:00.000Z', completionTime: '2026-01-01T00:10:00.000Z' });
  });

  it('keeps a terminal status when the batch Job is gone (after its TTL)', () => {
    const finished = makeJob('train').status({ phase: 'Succeeded', reason: 'Completed', podName: 'p1', exitCode: 0 }).obj();
    finished.metadata.generation = 2;
    const status = jobStatus(finished, run({}), now);
    expect(status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', podName: 'p1', exitCode: 0, observedGeneration: 2 });
  });

  it('is Canceled only once the batch Job and its pods are gone', () => {
    const canceling = makeJob('train').spec({ cancel: true }).obj();
    const batchJob = observedBatchJob().obj();
    expect(jobStatus(canceling, run({ batchJob, pods: [observedPod().phase('Running').obj()] }), now).phase).toBe('Running');
    expect(jobStatus(canceling, run({ batchJob, pods: [observedPod().phase('Running').obj()] }), now).reason).toBe('Canceling');
    expect(jobStatus(canceling, run({}), now)).toMatchObject({ phase: 'Canceled', reason: 'Canceled', completionTime: now.toISOString() });
  });

  it('sets kstatus conditions and moves lastTransitionTime only on change', () => {
    const running = run({ batchJob: observedBatchJob().obj(), pods: [observedPod().phase('Running').obj()] });
    const first = jobStatus(makeJob('train').obj(), running, now);
    const byType = (s: typeof first, type: string): NonNullable<typeof first.conditions>[number] | undefined => s.conditions?.find((c) => c.type === type);
    expect(byType(first, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Running', observedGeneration: 1 });
    expect(byType(first, 'Ready')).toMatchObject({ status: 'False' });

    const later = new Date(now.getTime() + 60_000);
    const again = jobStatus(makeJob('train').status(first).obj(), running, later);
    expect(again).toEqual(first);

    const done = run({ batchJob: observedBatchJob().condition('Complete').obj() });
    const finished = jobStatus(makeJob('train').status(first).obj(), done, later);
    expect(byType(finished, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: later.toISOString() });
    expect(byType(finished, 'Stalled')).toMatchObject({ status: 'False', lastTransitionTime: now.toISOString() });
  });

  it('says when the spec changed after the run started', () => {
    const status = jobStatus(makeJob('train').obj(), run({ batchJob: observedBatchJob().obj(), specChangedAfterStart: true }), now);
    expect(status.conditions?.find((c) => c.type === 'SpecApplied')).toMatchObject({ status: 'False', reason: 'ImmutableAfterStart' });
  });

  it.each([
    { name: 'OOMKilled', batchJob: () => observedBatchJob().condition('Failed', 'PodFailurePolicy').counts({ failed: 1 }).obj(), pod: () => observedPod().exited(137, 'OOMKilled').obj() },
    { name: 'BackoffLimitExceeded', batchJob: () => observedBatchJob().condition('Failed', 'BackoffLimitExceeded').counts({ failed: 2 }).obj(), pod: () => observedPod().exited(1).obj() },
    { name: 'DeadlineExceeded', batchJob: () => observedBatchJob().condition('Failed', 'DeadlineExceeded').obj(), pod: () => observedPod().exited(1).obj() },
    { name: 'ContainerCrashed', batchJob: () => observedBatchJob().condition('Failed', 'PodFailurePolicy').counts({ failed: 1 }).obj(), pod: () => observedPod().exited(3).obj() },
  ])('marks a run that failed for good ($name) Stalled with its reason, for kstatus', ({ name, batchJob, pod }) => {
    const status = jobStatus(makeJob('train').obj(), run({ batchJob: batchJob(), pods: [pod()] }), now);
    expect(status).toMatchObject({ phase: 'Failed', reason: name });
    expect(status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: name });
    expect(status.conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({ status: 'False' });
  });

  it('marks an image that cannot be pulled as Stalled', () => {
    const status = jobStatus(makeJob('train').obj(), run({ batchJob: observedBatchJob().obj(), pods: [observedPod().waiting('ErrImagePull').obj()] }), now);
    expect(status.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
  });
});

describe('jobStatus of a run that moves file sets', () => {
  const batchJob = observedBatchJob().started('2026-01-01T00:00:00Z').counts({ active: 1 }).obj();

  it.each([
    { name: 'pull init container running', pod: observedPod().on('n1').initRunning('pull'), wantPhase: 'Downloading', wantReason: 'Downloading' },
    { name: 'main running beside the push sidecar', pod: observedPod().on('n1').sidecarRunning(), wantPhase: 'Running', wantReason: 'Running' },
    { name: 'main exited, push sidecar still running', pod: observedPod().on('n1').sidecarRunning().mainExited(0), wantPhase: 'Uploading', wantReason: 'Uploading' },
    { name: 'main failed, push sidecar still running', pod: observedPod().on('n1').sidecarRunning().mainExited(1), wantPhase: 'Uploading', wantReason: 'Uploading' },
    // Until the batch Job says Complete, a run whose main exited stays Uploading: never back to Running.
    { name: 'push sidecar exited, the pod not yet Succeeded', pod: observedPod().on('n1').sidecarRunning().mainExited(0).sidecarExited(), wantPhase: 'Uploading', wantReason: 'Uploading' },
    { name: 'pod succeeded with the sidecar not yet reported stopped', pod: observedPod().on('n1').sidecarRunning().exited(0), wantPhase: 'Uploading', wantReason: 'Uploading' },
    { name: 'pod succeeded, the batch Job not yet Complete', pod: observedPod().on('n1').sidecarRunning().exited(0).sidecarExited(), wantPhase: 'Uploading', wantReason: 'Uploading' },
    { name: 'pod failed with the sidecar not yet reported stopped', pod: observedPod().on('n1').sidecarRunning().exited(1), wantPhase: 'Running', wantReason: 'Retrying' },
    { name: 'mover image cannot be pulled', pod: observedPod().initWaiting('pull', 'ImagePullBackOff', 'no such image'), wantPhase: 'Pending', wantReason: 'ImagePullBackOff' },
  ])('$name → $wantPhase/$wantReason', ({ pod, wantPhase, wantReason }) => {
    const status = jobStatus(makeJob('train').outputs('model').obj(), run({ batchJob, pods: [pod.obj()], expectsResult: true }), now);
    expect(status.phase).toBe(wantPhase);
    expect(status.reason).toBe(wantReason);
  });

  const model = { name: 'model', digest: digestOf('model'), files: 2, bytes: 10 };
  const complete = observedBatchJob().condition('Complete').counts({ succeeded: 1 }).started('2026-01-01T00:00:00Z').completed('2026-01-01T00:09:00Z').obj();
  const succeededPod = observedPod().on('n1').exited(0).obj();

  it.each([
    { name: 'no retries', job: makeJob('train').outputs('model'), wantPhase: 'Failed', wantRun: undefined, wantPriorAttempts: undefined, wantMessage: /no retries left$/ },
    {
      name: 'a retry left',
      job: makeJob('train').outputs('model').retries(1),
      wantPhase: 'Running',
      wantRun: 1,
      wantPriorAttempts: 1,
      wantMessage: /retrying \(run 2\)$/,
    },
    {
      name: 'a retry left after an earlier lost result',
      job: makeJob('train').outputs('model').retries(2).status({ phase: 'Running', run: 1, priorAttempts: 1, attempts: 1 }),
      wantPhase: 'Running',
      wantRun: 2,
      wantPriorAttempts: 2,
      wantMessage: /retrying \(run 3\)$/,
    },
    {
      name: 'the last retry used by an earlier lost result',
      job: makeJob('train').outputs('model').retries(1).status({ phase: 'Running', run: 1, priorAttempts: 1, attempts: 1 }),
      wantPhase: 'Failed',
      wantRun: 1,
      wantPriorAttempts: 1,
      wantMessage: /no retries left$/,
    },
  ])('a lost result with $name → $wantPhase/ResultMissing', ({ job, wantPhase, wantRun, wantPriorAttempts, wantMessage }) => {
    const status = jobStatus(job.obj(), run({ batchJob: complete, pods: [succeededPod], expectsResult: true }), now);
    expect(status).toMatchObject({ phase: wantPhase, reason: 'ResultMissing' });
    expect(status.message).toMatch(wantMessage);
    expect(status.run).toBe(wantRun);
    expect(status.priorAttempts).toBe(wantPriorAttempts);
    // A run retried for its result has not completed; a failed one has.
    expect(status.completionTime).toBe(wantPhase === 'Failed' ? '2026-01-01T00:09:00.000Z' : undefined);
  });

  it("says why the push failed, in the push sidecar's last log line, when the outputs were lost", () => {
    const log = '{"level":30,"msg":"hashing outputs"}\ntessera: /tessera/outputs/model is a symbolic link; outputs must be real directories\n';
    const pushFailed = observedPod().exited(0).initExited('push', 1, log).obj();
    const status = jobStatus(makeJob('train').outputs('model').obj(), run({ batchJob: complete, pods: [pushFailed], expectsResult: true }), now);
    expect(status).toMatchObject({ phase: 'Failed', reason: 'ResultMissing' });
    expect(status.message).toContain('(the push sidecar failed: tessera: /tessera/outputs/model is a symbolic link; outputs must be real directories)');
  });

  it("says why the pull failed when a run's attempts are used up by it, and falls back to its exit code", () => {
    const failed = observedBatchJob().condition('Failed', 'BackoffLimitExceeded').counts({ failed: 1 }).obj();
    const said = observedPod().initExited('pull', 1, 'tessera: input data: 403 Forbidden: the run may not read sha256:ab\n').obj();
    expect(jobStatus(makeJob('train').obj(), run({ batchJob: failed, pods: [said] }), now).message).toBe('failed 1 time, the last: pulling the inputs failed: tessera: input data: 403 Forbidden: the run may not read sha256:ab; no retries left');
    const silent = observedPod().initExited('pull', 2).obj();
    expect(jobStatus(makeJob('train').obj(), run({ batchJob: failed, pods: [silent] }), now).message).toBe('failed 1 time, the last: pulling the inputs failed: exit code 2; no retries left');
  });

  it('succeeds without a result when the run pushes no outputs', () => {
    const status = jobStatus(makeJob('train').obj(), run({ batchJob: complete, pods: [succeededPod], expectsResult: false }), now);
    expect(status).toMatchObject({ phase: 'Succeeded', reason: 'Completed' });
  });

  it("records the signed result's outputs and metrics", () => {
    const result = { outputs: [model], metrics: { accuracy: 0.9 } };
    const status = jobStatus(makeJob('train').outputs('model').obj(), run({ batchJob: complete, pods: [succeededPod], expectsResult: true, result }), now);
    expect(status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', outputs: [model], metrics: { accuracy: 0.9 } });
  });

  it('records no metrics when the result has none', () => {
    const status = jobStatus(makeJob('train').outputs('model').obj(), run({ batchJob: complete, pods: [succeededPod], expectsResult: true, result: { outputs: [model], metrics: {} } }), now);
    expect(status.outputs).toEqual([model]);
    expect(status).not.toHaveProperty('metrics');
  });

  it('carries the resolved inputs and code along', () => {
    const inputs = [{ name: 'data', digest: digestOf('data'), source: 'dataset team-a/cifar v3', version: 3 }];
    const code = { digest: digestOf('code'), source: 'algo train' };
    const job = makeJob('train').status({ phase: 'Pending', inputs, code }).obj();
    const status = jobStatus(job, run({ batchJob, pods: [observedPod().on('n1').initRunning('pull').obj()] }), now);
    expect(status).toMatchObject({ phase: 'Downloading', inputs, code });
  });

  it('counts the attempts of earlier runs', () => {
    const job = makeJob('train').retries(3).status({ phase: 'Running', run: 1, priorAttempts: 2, attempts: 2 }).obj();
    const status = jobStatus(job, run({ batchJob: observedBatchJob().counts({ failed: 1, active: 1 }).obj(), pods: [observedPod().phase('Running').obj()] }), now);
    expect(status.attempts).toBe(4);
  });
});

describe('resolutionStatus', () => {
  const inputs = [{ name: 'data', digest: digestOf('data'), source: 'file set' }];
  const code = { digest: digestOf('code'), source: 'file set' };
  const readyRun = (fields: Partial<EffectiveRun> = {}): Resolution => ({
    kind: 'ready',
    run: { image: 'local/sim:1', inputs: [], outputs: [], digestsToCheck: [], ...fields },
  });
  const condition = (status: TesseraJobStatus | undefined, type: string): Condition | undefined => status?.conditions?.find((c) => c.type === type);

  it.each([
    { name: 'nothing to resolve, no status yet', job: makeJob('train'), resolution: readyRun() },
    { name: 'the inputs already recorded', job: makeJob('train').status({ inputs, code }), resolution: readyRun({ inputs, code }) },
  ])('writes nothing when ready with $name', ({ job, resolution }) => {
    expect(resolutionStatus(job.obj(), resolution, now)).toBeUndefined();
  });

  it.each([
    { name: 'no status yet', job: makeJob('train') },
    { name: 'other inputs recorded', job: makeJob('train').status({ reason: 'InputNotReady', inputs: [{ ...inputs[0]!, digest: digestOf('old') }] }) },
    { name: 'the inputs but not the code recorded', job: makeJob('train').status({ inputs }) },
  ])('records new inputs and code as Pending with $name', ({ job }) => {
    const status = resolutionStatus(job.obj(), readyRun({ inputs, code }), now);
    expect(status).toMatchObject({ phase: 'Pending', reason: 'Pending', inputs, code, observedGeneration: 1 });
    expect(status).not.toHaveProperty('completionTime');
  });

  it('is Pending/InputNotReady, not Stalled, while an input may still appear', () => {
    const status = resolutionStatus(makeJob('train').obj(), { kind: 'waiting', message: 'input data: Dataset team-a/cifar not found' }, now);
    expect(status).toMatchObject({ phase: 'Pending', reason: 'InputNotReady', message: 'input data: Dataset team-a/cifar not found' });
    expect(condition(status, 'Stalled')).toMatchObject({ status: 'False' });
    expect(condition(status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'InputNotReady' });
  });

  it('fails a refused Job with the reason, Stalled, and a completion time', () => {
    const resolution: Resolution = { kind: 'refused', reason: 'Unauthorized', message: 'input data: Dataset team-b/cifar does not authorize namespace team-a' };
    const status = resolutionStatus(makeJob('train').status({ reason: 'InputNotReady' }).obj(), resolution, now);
    expect(status).toMatchObject({ phase: 'Failed', reason: 'Unauthorized', message: resolution.message, completionTime: now.toISOString() });
    expect(condition(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'Unauthorized' });
    expect(condition(status, 'Failed')).toMatchObject({ status: 'True', reason: 'Unauthorized' });
    expect(condition(status, 'Reconciling')).toMatchObject({ status: 'False' });
  });
});

describe('refusedStatus', () => {
  const inputs = [{ name: 'data', digest: digestOf('data'), source: 'file set' }];
  const condition = (status: TesseraJobStatus, type: string): Condition | undefined => status.conditions?.find((c) => c.type === type);

  it('fails the Job InvalidSpec and Stalled in the API server words, keeping the resolved inputs', () => {
    const job = makeJob('train').status({ phase: 'Pending', reason: 'Pending', inputs }).obj();
    const status = refusedStatus(job, 'Job.batch "x" is invalid: spec.template.spec.nodeSelector: Invalid value: "eu west"', now);
    expect(status).toMatchObject({ phase: 'Failed', reason: 'InvalidSpec', inputs, message: 'the API server refused the batch Job: Job.batch "x" is invalid: spec.template.spec.nodeSelector: Invalid value: "eu west"' });
    expect(condition(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(condition(status, 'Failed')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
  });

  it('is what the next pass computes again, so a repeated refusal writes nothing', () => {
    const first = refusedStatus(makeJob('train').status({ inputs }).obj(), 'no', now);
    const again = refusedStatus(makeJob('train').status(first).obj(), 'no', new Date(now.getTime() + 60_000));
    expect(again).toEqual(first);
    expect(resolutionStatus(makeJob('train').status(first).obj(), { kind: 'ready', run: { image: 'i', inputs, outputs: [], digestsToCheck: [] } }, now)).toBeUndefined();
  });
});
