import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makeJob, readyRun } from '../../../test/support/job-builders.ts';
import type { TesseraJob } from '../../api/job.ts';
import { defaultJobRuntimeConfig, desiredBatchJob } from './desired.ts';
import { runVerdict } from './status.ts';
import { groupWaitMessage, heldByKueue, kueueGroupKeys, kueueGroupOf } from './kueue-group.ts';

const grouped = (count = '3'): ReturnType<typeof makeJob> =>
  makeJob('r1-train-0').spec({ queueName: 'gpus' }).label(kueueGroupKeys.name, 'fl-r1-abc').annotate(kueueGroupKeys.totalCount, count);
const batchFor = (job: TesseraJob): k8s.V1Job => desiredBatchJob(job, readyRun(job), defaultJobRuntimeConfig);

describe('kueueGroupOf', () => {
  it('reads the group name and size a Job with a queue carries', () => {
    expect(kueueGroupOf(grouped().obj())).toEqual({ name: 'fl-r1-abc', totalCount: 3 });
  });

  it.each([
    { name: 'no queue', job: grouped().spec({ queueName: undefined }).obj() },
    { name: 'no total count', job: makeJob('a').spec({ queueName: 'gpus' }).label(kueueGroupKeys.name, 'g').obj() },
    { name: 'a count that is not a positive integer', job: grouped('two').obj() },
    { name: 'a zero count', job: grouped('0').obj() },
    { name: 'a run retried after losing its result (its group is over)', job: grouped().status({ run: 1 }).obj() },
  ])('is none with $name', ({ job }) => {
    expect(kueueGroupOf(job)).toBeUndefined();
  });
});

describe('the batch Job of a run in a Kueue pod group', () => {
  it('is neither suspended nor queued itself: its pods carry the queue, the group and its size', () => {
    const batch = batchFor(grouped().obj());
    expect(batch.spec!.suspend).toBeUndefined();
    expect(batch.metadata!.labels!['kueue.x-k8s.io/queue-name']).toBeUndefined();
    expect(batch.spec!.template.metadata!.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'gpus', [kueueGroupKeys.name]: 'fl-r1-abc' });
    expect(batch.spec!.template.metadata!.annotations).toMatchObject({ [kueueGroupKeys.totalCount]: '3' });
  });

  it("ignores a pod Kueue stopped (its TerminationTarget condition), so a preemption is not an attempt", () => {
    expect(batchFor(grouped().obj()).spec!.podFailurePolicy!.rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'TerminationTarget', status: 'True' }] });
    expect(batchFor(makeJob('a').spec({ queueName: 'gpus' }).obj()).spec!.podFailurePolicy!.rules).toHaveLength(1);
  });

  it('keeps the single-run way (a suspended, labelled batch Job) without a group', () => {
    const batch = batchFor(makeJob('a').spec({ queueName: 'gpus' }).obj());
    expect(batch.spec!.suspend).toBe(true);
    expect(batch.spec!.template.metadata!.labels!['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });
});

describe('heldByKueue', () => {
  const gated = (labels: Record<string, string>): k8s.V1Pod => ({
    metadata: { labels, annotations: { [kueueGroupKeys.totalCount]: '3' } },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }] },
  });
  const groupLabels = { 'kueue.x-k8s.io/queue-name': 'gpus', [kueueGroupKeys.name]: 'fl-r1-abc' };

  it('is a gated pod of a group, and says which queue and group it waits for', () => {
    expect(heldByKueue(gated(groupLabels))).toBe(true);
    expect(groupWaitMessage(gated(groupLabels))).toBe('waiting for admission by queue gpus with the 3 pods of group fl-r1-abc (all or none)');
  });

  it('is not a gated pod outside any group, nor a group pod once ungated', () => {
    expect(heldByKueue(gated({}))).toBe(false);
    expect(heldByKueue({ metadata: { labels: groupLabels }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] } })).toBe(false);
  });
});

describe('the status of a run whose pod Kueue holds for its group', () => {
  it('is Queued with the group, not Pending', () => {
    const pod: k8s.V1Pod = {
      metadata: { name: 'p', labels: { 'kueue.x-k8s.io/queue-name': 'gpus', [kueueGroupKeys.name]: 'fl-r1-abc' }, annotations: { [kueueGroupKeys.totalCount]: '2' } },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] },
    };
    const verdict = runVerdict({ batchJob: { metadata: { name: 'b' }, spec: { template: {} }, status: {} }, pods: [pod], specChangedAfterStart: false });
    expect(verdict).toMatchObject({ phase: 'Queued', reason: 'Queued', message: 'waiting for admission by queue gpus with the 2 pods of group fl-r1-abc (all or none)' });
  });
});
