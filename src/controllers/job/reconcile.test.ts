import { describe, expect, it } from 'vitest';
import type * as k8s from '@kubernetes/client-node';
import { jobWorld, runOf, sealKey, type JobWorld } from '../../../test/support/job-world.ts';
import { makeJob, observedPod, testNamespaceUid } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import { apiError } from '../../../test/support/write-log.ts';
import type { TesseraJob } from '../../api/job.ts';
import { grantAccess } from '../../storage/access.ts';
import { resultSigningKey } from '../../storage/result-record.ts';
import { planFinalizer, planLabels } from '../computeplan/names.ts';
import { batchJobName } from './names.ts';

// The Job reconciler's ordering invariants, pass by pass, against in-memory caches and recording
// writers (test/support/job-world.ts): what it writes, in which order, and what it waits for. What
// only a real cluster shows (the API server's admission, the informers' timing) stays in
// test/integration and test/security.

const data = digestOf('cifar');
const run = batchJobName('train', 'uid-train');

/** A Job reading a file set its namespace holds: its inputs resolve, so its status records them first. */
async function jobReadingData(world: JobWorld): Promise<TesseraJob> {
  await grantAccess(world.store, testNamespaceUid, 'team-a', data);
  const job = makeJob('train').fileSetInput('data', data).obj();
  world.jobs.put(job);
  return job;
}

/** Lets the informer report the Job's last write, as its watch event would. */
function deliverJob(world: JobWorld): void {
  world.jobs.put(world.writes.stored('team-a', 'train'));
}

describe('reconcileJob: inputs and the batch Job', () => {
  it('records the resolved inputs in status before it creates the batch Job, and creates it on the next pass', async () => {
    const world = jobWorld();
    await jobReadingData(world);

    await world.reconcile();
    expect(world.log.entries).toEqual(['writeStatus Job team-a/train Pending/Pending']);
    expect(world.writes.stored('team-a', 'train').status?.inputs).toEqual([{ name: 'data', digest: data, source: 'file set' }]);

    deliverJob(world);
    await world.reconcile();
    expect(world.log.since(1)).toEqual([`createBatchJob team-a/${run}`]);
  });

  it('requeues a Job whose last status write the cache does not show yet, and computes nothing from the stale copy', async () => {
    const world = jobWorld();
    await jobReadingData(world);
    await world.reconcile();

    // The informer has not reported the write: the cached Job has no inputs in status yet.
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 2000 });
    expect(world.log.entries).toEqual(['writeStatus Job team-a/train Pending/Pending']);

    deliverJob(world);
    await world.reconcile();
    expect(world.log.since(1)).toEqual([`createBatchJob team-a/${run}`]);
  });

  it('writes no status in the pass that creates the batch Job: the next status comes from what the informers report', async () => {
    const world = jobWorld();
    world.jobs.put(makeJob('train').obj());

    await world.reconcile();
    expect(world.log.entries).toEqual([`createBatchJob team-a/${run}`]);

    // A new run's first minute of plain waiting is not worth a write either.
    world.batchJobs.put(world.writes.created('team-a', run));
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 60_000 });
    world.clock.advance(60_000);
    await world.reconcile();
    expect(world.log.since(1)).toEqual(['writeStatus Job team-a/train Pending/Pending']);
  });

  it('fails a Job the API server refuses to run once: InvalidSpec in its words, one Warning, no second write', async () => {
    const world = jobWorld();
    world.jobs.put(makeJob('train').obj());
    const refusal = apiError(422, 'Invalid', `Job.batch "${run}" is invalid: spec.template.spec.priorityClassName: Invalid value`);
    world.log.failNext('createBatchJob', refusal);

    await world.reconcile();
    expect(world.log.entries).toEqual([`createBatchJob team-a/${run}`, 'writeStatus Job team-a/train Failed/InvalidSpec', 'event Warning InvalidSpec team-a/train']);
    expect(world.writes.stored('team-a', 'train').status?.message).toBe(`the API server refused the batch Job: Job.batch "${run}" is invalid: spec.template.spec.priorityClassName: Invalid value`);

    // The next pass tries the create again (a lifted policy would start the run) and, refused the
    // same way, has nothing new to say.
    deliverJob(world);
    world.log.failNext('createBatchJob', refusal);
    await world.reconcile();
    expect(world.log.since(3)).toEqual([`createBatchJob team-a/${run}`]);
  });

  it('leaves status alone when a create fails for a reason a retry can fix (an exhausted quota)', async () => {
    const world = jobWorld();
    world.jobs.put(makeJob('train').obj());
    world.log.failNext('createBatchJob', apiError(403, 'Forbidden', 'exceeded quota: compute, requested: nvidia.com/gpu=1'));

    await expect(world.reconcile()).rejects.toThrow(`creating batch Job ${run}`);
    expect(world.log.entries).toEqual([`createBatchJob team-a/${run}`]);
  });

  it('fails a Job whose spec the schema refuses, once, and creates nothing', async () => {
    const world = jobWorld();
    world.jobs.put(makeJob('train').gpu(-1).obj());

    await world.reconcile();
    deliverJob(world);
    await world.reconcile();
    expect(world.log.entries).toEqual(['writeStatus Job team-a/train Failed/InvalidSpec', 'event Warning InvalidSpec team-a/train']);
  });
});

describe('reconcileJob: stopping a run', () => {
  it('deletes the batch Job of a canceled Job, and says Canceled only once the batch Job is gone', async () => {
    const world = jobWorld();
    const job = makeJob('train').spec({ cancel: true }).status({ phase: 'Running', reason: 'Running' }).obj();
    world.jobs.put(job);
    world.batchJobs.put(runOf(job));

    await world.reconcile();
    expect(world.log.entries).toEqual([`deleteBatchJob team-a/${run}`]);

    world.batchJobs.remove('team-a', run);
    await world.reconcile();
    expect(world.log.since(1)).toEqual(['writeStatus Job team-a/train Canceled/Canceled', 'event Normal Canceled team-a/train']);
  });

  it('stops the run of a Job being deleted at once, and writes nothing else', async () => {
    const world = jobWorld();
    const job = makeJob('train').status({ phase: 'Running', reason: 'Running' }).obj();
    job.metadata.deletionTimestamp = '2026-01-01T00:59:00Z';
    job.metadata.finalizers = ['example.com/keep'];
    world.jobs.put(job);
    world.batchJobs.put(runOf(job));

    expect(await world.reconcile()).toBeUndefined();
    expect(world.log.entries).toEqual([`deleteBatchJob team-a/${run}`]);
  });
});

/** A Job of plan `org-a/plan` (uid `uid-plan`) that carries the plan's finalizer and another controller's. */
function planJob(): TesseraJob {
  const job = makeJob('train')
    .label(planLabels.plan, 'plan')
    .label(planLabels.planNamespace, 'org-a')
    .label(planLabels.planUid, 'uid-plan')
    .status({ phase: 'Running', reason: 'Running' })
    .obj();
  job.metadata.finalizers = ['example.com/keep', planFinalizer];
  return job;
}

describe('reconcileJob: a Job whose plan is gone', () => {
  it("asks the API server, then deletes the Job, stops its run and removes only the plan's finalizer", async () => {
    const world = jobWorld();
    const job = planJob();
    world.jobs.put(job);
    world.batchJobs.put(runOf(job));

    // Today the finalizer patch carries the resourceVersion the delete just moved on (a deletion
    // timestamp is a write), so it loses with a Conflict and the next pass, from the deleting Job,
    // removes the finalizer: one wasted request per orphan, but never another controller's finalizer.
    await expect(world.reconcile()).rejects.toMatchObject({ code: 409 });
    expect(world.log.entries).toEqual(['readPlanUid org-a/plan', 'deleteJob Job team-a/train', `deleteBatchJob team-a/${run}`, `dropFinalizer Job team-a/train ${planFinalizer}`]);

    deliverJob(world);
    world.batchJobs.remove('team-a', run);
    await world.reconcile();
    expect(world.log.since(4)).toEqual(['readPlanUid org-a/plan', `dropFinalizer Job team-a/train ${planFinalizer}`]);
    expect(world.writes.stored('team-a', 'train').metadata.finalizers).toEqual(['example.com/keep']);
  });

  it('keeps a Job whose plan the API server has, though the cache does not show it yet', async () => {
    const world = jobWorld();
    const job = planJob();
    world.jobs.put(job);
    world.batchJobs.put(runOf(job));
    world.writes.planUids.set('org-a/plan', 'uid-plan');

    await world.reconcile();
    expect(world.log.entries).toEqual(['readPlanUid org-a/plan', 'writeStatus Job team-a/train Pending/Pending']);
  });
});

/** A running pod of `batchJob`, the run of `job`. */
function runningPod(job: TesseraJob, batchJob: k8s.V1Job): k8s.V1Pod {
  return observedPod().labelledFor(job).controlledBy(batchJob).on('node-1').phase('Running').obj();
}

describe('reconcileJob: the batch Job under the run’s name', () => {
  const job = makeJob('train').status({ phase: 'Pending', reason: 'Pending' }).obj();
  const tampered = runOf(job);
  tampered.spec!.template.spec!.containers[0]!.image = 'evil/exfiltrate:1';

  it.each([
    { name: 'carries no seal', batchJob: runOf(job, []) },
    { name: 'is sealed under a key the operator does not hold', batchJob: runOf(job, [resultSigningKey('o'.repeat(32))]) },
    { name: 'runs another image than the one sealed', batchJob: tampered },
  ])('is not the run when it $name: Pending/NameTaken, one Warning, nothing created', async ({ batchJob }) => {
    const world = jobWorld();
    world.jobs.put(job);
    world.batchJobs.put(batchJob);
    world.pods.put(runningPod(job, batchJob));

    await world.reconcile();
    expect(world.log.entries).toEqual(['writeStatus Job team-a/train Pending/NameTaken', 'event Warning NameTaken team-a/train']);
    deliverJob(world);
    await world.reconcile();
    expect(world.log.since(2)).toEqual([]);
  });

  it('is the run when the operator sealed it: status follows its pod', async () => {
    const world = jobWorld();
    const batchJob = runOf(job, [sealKey]);
    world.jobs.put(job);
    world.batchJobs.put(batchJob);
    world.pods.put(runningPod(job, batchJob));

    await world.reconcile();
    expect(world.log.entries).toEqual(['writeStatus Job team-a/train Running/Running']);
  });

  it('is the run by its name alone for an operator without an object store (no keys, no data to protect)', async () => {
    const world = jobWorld({ objectStore: false });
    const batchJob = runOf(job, []);
    world.jobs.put(job);
    world.batchJobs.put(batchJob);
    world.pods.put(runningPod(job, batchJob));

    await world.reconcile();
    expect(world.log.entries).toEqual(['writeStatus Job team-a/train Running/Running']);
  });
});
