import { describe, expect, it } from 'vitest';
import { makeJob, observedBatchJob, observedPod } from '../../../test/support/job-builders.ts';
import { jobStatus, type ObservedRun } from './status.ts';

const now = new Date('2026-01-01T01:00:00Z');
const run = (fields: Partial<ObservedRun>): ObservedRun => ({ batchJob: undefined, pods: [], specChangedAfterStart: false, ...fields });

describe('jobStatus', () => {
  it.each([
    { name: 'no batch Job yet', observed: run({}), wantPhase: 'Pending', wantReason: 'Pending' },
    { name: 'suspended by a queue', observed: run({ batchJob: observedBatchJob().suspended().obj() }), wantPhase: 'Queued', wantReason: 'Queued' },
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

  it('marks an image that cannot be pulled as Stalled', () => {
    const status = jobStatus(makeJob('train').obj(), run({ batchJob: observedBatchJob().obj(), pods: [observedPod().waiting('ErrImagePull').obj()] }), now);
    expect(status.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
  });
});
