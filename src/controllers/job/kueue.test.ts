import { describe, expect, it } from 'vitest';
import { preemptorJobUid, queueWait, type KueueWorkload, type WorkloadCondition } from './kueue.ts';

const workload = (...conditions: WorkloadCondition[]): KueueWorkload => ({ metadata: { name: 'job-a-1', namespace: 'org-a' }, status: { conditions } });
const noQuota: WorkloadCondition = {
  type: 'QuotaReserved',
  status: 'False',
  reason: 'Pending',
  message: "couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor gpu, 4 more needed",
};
const preemptedMessage = 'Preempted to accommodate a workload (UID: wl-9, JobUID: 0f3c-77) due to prioritization in the ClusterQueue; preemptor path: /gpus; preemptee path: /gpus';
const evicted: WorkloadCondition = { type: 'Evicted', status: 'True', reason: 'Preempted', message: preemptedMessage };
const preempted: WorkloadCondition = { type: 'Preempted', status: 'True', reason: 'InClusterQueue', message: preemptedMessage };

describe('queueWait', () => {
  it('says it waits for the queue when there is no Workload (no Kueue, or not made yet)', () => {
    expect(queueWait('gpus', undefined)).toEqual({ reason: 'Queued', message: 'waiting for admission by queue gpus' });
    expect(queueWait(undefined, undefined)).toEqual({ reason: 'Queued', message: 'waiting for admission by the queue' });
  });

  it("repeats Kueue's reason for not reserving quota: the resource and the flavor", () => {
    const wait = queueWait('gpus', workload(noQuota));
    expect(wait.reason).toBe('Queued');
    expect(wait.message).toBe(`waiting for admission by queue gpus: ${noQuota.message}`);
  });

  it('reads Admitted when quota is reserved but admission checks are pending', () => {
    const checks: WorkloadCondition = { type: 'Admitted', status: 'False', reason: 'NoChecks', message: 'The workload has not all checks ready' };
    expect(queueWait('gpus', workload({ type: 'QuotaReserved', status: 'True' }, checks)).message).toMatch(/not all checks ready$/);
  });

  it('is Preempted after an eviction, naming the preempting Job and why it waits again', () => {
    const wait = queueWait('gpus', workload(evicted, preempted, noQuota), 'org-b/urgent');
    expect(wait.reason).toBe('Preempted');
    expect(wait.message).toMatch(/^preempted by Job org-b\/urgent \(Preempted to accommodate a workload/);
    expect(wait.message).toMatch(/; waiting for queue gpus to admit it again: couldn't assign flavors/);
  });

  it('is Preempted from the Preempted condition alone, without a known preemptor', () => {
    expect(queueWait('gpus', workload(preempted)).message).toBe(`preempted (${preemptedMessage}); waiting for queue gpus to admit it again`);
  });

  it('is not Preempted by an eviction for another cause, nor once the eviction is cleared', () => {
    const inactive: WorkloadCondition = { type: 'Evicted', status: 'True', reason: 'InactiveWorkload', message: 'deactivated' };
    expect(queueWait('gpus', workload(inactive, noQuota)).reason).toBe('Queued');
    expect(queueWait('gpus', workload({ ...evicted, status: 'False' }, noQuota)).reason).toBe('Queued');
  });
});

describe('preemptorJobUid', () => {
  it("reads the preempting batch Job's uid from Kueue's message", () => {
    expect(preemptorJobUid(workload(evicted))).toBe('0f3c-77');
    expect(preemptorJobUid(workload(noQuota))).toBeUndefined();
    expect(preemptorJobUid(undefined)).toBeUndefined();
  });
});
