import { describe, expect, it } from 'vitest';
import type { ComputePlan, FedAvg } from '../../api/computeplan.ts';
import { planTasks } from './expand.ts';
import { roundGroup, roundGroupMetadata, roundGroupName } from './round-admission.ts';

const fedAvg: FedAvg = {
  rounds: 2,
  trainers: [
    { namespace: 'org-a', datasetRef: { name: 'd' } },
    { namespace: 'org-a', datasetRef: { name: 'e' } },
    { namespace: 'org-b', datasetRef: { name: 'd' } },
  ],
  trainAlgo: { name: 'train' },
  aggregateAlgo: { name: 'agg' },
  testAlgo: { name: 'test' },
};
const plan = (spec: Partial<ComputePlan['spec']> = {}): ComputePlan => ({
  apiVersion: 'tessera.dev/v1alpha1',
  kind: 'ComputePlan',
  metadata: { name: 'fl', namespace: 'org-a', uid: 'plan-uid' },
  spec: { strategy: { fedAvg }, queueName: 'gpus', roundAdmission: 'Whole', ...spec },
});
const task = (p: ComputePlan, name: string): ReturnType<typeof planTasks>[number] => planTasks(p.spec).find((t) => t.name === name)!;

describe('roundGroup', () => {
  it("groups a round's trainers by namespace, sized by the trainers there", () => {
    const p = plan();
    const [a0, a1, b2] = ['r1-train-0', 'r1-train-1', 'r1-train-2'].map((name) => roundGroup(p, task(p, name), ''));
    expect(a0).toEqual({ name: roundGroupName(p, 1, 'org-a'), totalCount: 2 });
    expect(a1).toEqual(a0);
    expect(b2).toEqual({ name: roundGroupName(p, 1, 'org-b'), totalCount: 1 });
    expect(b2!.name).not.toBe(a0!.name);
    expect(roundGroup(p, task(p, 'r2-train-0'), '')!.name).not.toBe(a0!.name);
  });

  it.each([
    { name: 'an aggregate', p: plan(), taskName: 'r1-aggregate', retry: '' },
    { name: 'a test', p: plan(), taskName: 'r1-test-0', retry: '' },
    { name: 'a trainer re-run by a retry (alone, its group could never be complete)', p: plan(), taskName: 'r1-train-0', retry: '2026-01-01' },
    { name: 'per-task admission', p: plan({ roundAdmission: 'PerTask' }), taskName: 'r1-train-0', retry: '' },
    { name: 'no roundAdmission', p: plan({ roundAdmission: undefined }), taskName: 'r1-train-0', retry: '' },
  ])('puts no group on $name', ({ p, taskName, retry }) => {
    expect(roundGroup(p, task(p, taskName), retry)).toBeUndefined();
  });

  it('names the group within 63 characters, after the plan and round', () => {
    const long = plan();
    long.metadata.name = 'a'.repeat(63);
    const name = roundGroupName(long, 1000, 'org-a');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^a+-r1000-[0-9a-f]{8}$/);
  });

  it("gives the task's Job Kueue's pod-group label and total-count annotation", () => {
    expect(roundGroupMetadata({ name: 'fl-r1-x', totalCount: 2 })).toEqual({
      labels: { 'kueue.x-k8s.io/pod-group-name': 'fl-r1-x' },
      annotations: { 'kueue.x-k8s.io/pod-group-total-count': '2' },
    });
    expect(roundGroupMetadata(undefined)).toBeUndefined();
  });
});
