import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ObjectCache } from '../shared/object-cache.ts';
import type { KueueWorkload } from './kueue.ts';
import { queuedRecheckAfterMs, queuedRecheckMs, waitsForQueue, withWorkload, type WorkloadReader } from './queue-observe.ts';
import type { ObservedRun } from './status.ts';

const batchJob = (fields: { uid: string; suspend?: boolean; queue?: string; owner?: string; namespace?: string }): k8s.V1Job => ({
  metadata: {
    name: `run-${fields.uid}`,
    namespace: fields.namespace ?? 'org-a',
    uid: fields.uid,
    labels: { ...(fields.queue ? { 'kueue.x-k8s.io/queue-name': fields.queue } : {}), ...(fields.owner ? { 'tessera.dev/job': fields.owner } : {}) },
  },
  spec: { suspend: fields.suspend, template: {} },
});
const cacheOf = (items: k8s.V1Job[]): ObjectCache<k8s.V1Job> => ({ get: () => undefined, list: () => items, byIndex: () => [] });
const run = (job: k8s.V1Job | undefined): ObservedRun => ({ batchJob: job, pods: [], specChangedAfterStart: false });

/** A reader that answers from `byUid` and records which uids it was asked for. */
function reader(byUid: Record<string, KueueWorkload>): WorkloadReader & { asked: string[] } {
  const asked: string[] = [];
  const read = (_ns: string, uid: string): Promise<KueueWorkload | undefined> => {
    asked.push(uid);
    return Promise.resolve(byUid[uid]);
  };
  return Object.assign(read, { asked });
}

const evictedFor = (jobUid: string): KueueWorkload => ({
  status: { conditions: [{ type: 'Evicted', status: 'True', reason: 'Preempted', message: `Preempted to accommodate a workload (UID: w, JobUID: ${jobUid}) due to prioritization in the ClusterQueue` }] },
});

describe('waitsForQueue', () => {
  it('is true only for a suspended batch Job with a queue label', () => {
    expect(waitsForQueue(batchJob({ uid: 'a', suspend: true, queue: 'gpus' }))).toBe(true);
    expect(waitsForQueue(batchJob({ uid: 'a', suspend: false, queue: 'gpus' }))).toBe(false);
    expect(waitsForQueue(batchJob({ uid: 'a', suspend: true }))).toBe(false);
    expect(waitsForQueue(undefined)).toBe(false);
  });
});

describe('withWorkload', () => {
  it('reads nothing for a run Kueue has admitted', async () => {
    const read = reader({});
    const observed = run(batchJob({ uid: 'a', suspend: false, queue: 'gpus' }));
    expect(await withWorkload(observed, read, cacheOf([]))).toBe(observed);
    expect(read.asked).toEqual([]);
  });

  it("adds a suspended run's Workload and names the Tessera Job whose batch Job preempted it", async () => {
    const preemptor = batchJob({ uid: 'b-uid', namespace: 'org-b', owner: 'urgent' });
    const read = reader({ 'a-uid': evictedFor('b-uid') });
    const observed = await withWorkload(run(batchJob({ uid: 'a-uid', suspend: true, queue: 'gpus' })), read, cacheOf([preemptor]));
    expect(read.asked).toEqual(['a-uid']);
    expect(observed.workload).toEqual(evictedFor('b-uid'));
    expect(observed.preemptor).toBe('org-b/urgent');
  });

  it('leaves the preemptor unnamed when its batch Job is not one of the operator’s', async () => {
    const read = reader({ 'a-uid': evictedFor('someone-else') });
    const observed = await withWorkload(run(batchJob({ uid: 'a-uid', suspend: true, queue: 'gpus' })), read, cacheOf([]));
    expect(observed.preemptor).toBeUndefined();
  });
});

describe('queuedRecheckAfterMs', () => {
  it('rechecks soon until Kueue says why the run waits, then seldom', () => {
    expect(queuedRecheckAfterMs(run(undefined))).toBe(queuedRecheckMs.unexplained);
    const said: KueueWorkload = { status: { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message: 'insufficient quota' }] } };
    expect(queuedRecheckAfterMs({ ...run(undefined), workload: said })).toBe(queuedRecheckMs.explained);
  });

  it('rechecks an unexplained wait less often once the batch Job is no longer young', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const queued = run(batchJob({ uid: 'a-uid', suspend: true, queue: 'gpus' }));
    queued.batchJob = { ...queued.batchJob, metadata: { ...queued.batchJob?.metadata, creationTimestamp: created } };
    expect(queuedRecheckAfterMs(queued, created.getTime() + 29_000)).toBe(queuedRecheckMs.unexplained);
    expect(queuedRecheckAfterMs(queued, created.getTime() + 31_000)).toBe(queuedRecheckMs.unexplainedLong);
  });
});
