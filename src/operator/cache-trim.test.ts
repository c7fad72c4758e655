import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makeJob, observedBatchJob, observedPod, readyRun } from '../../test/support/job-builders.ts';
import { defaultJobRuntimeConfig, desiredBatchJob } from '../controllers/job/desired.ts';
import { jobStatus, type ObservedRun } from '../controllers/job/status.ts';
import { lastAppliedAnnotation, trimBatchJob, trimPod, trimTesseraObject } from './cache-trim.ts';

const now = new Date('2026-01-01T01:00:00Z');
const job = makeJob('train').outputs('model').obj();
/** A batch Job as the operator creates it: pull init container, push sidecar, main with env and volumes. */
const created = desiredBatchJob(job, readyRun(job), defaultJobRuntimeConfig);

function withPodSpec(pod: k8s.V1Pod): k8s.V1Pod {
  return { ...pod, spec: { ...created.spec!.template.spec!, nodeName: pod.spec?.nodeName } };
}

const batchJobs = {
  running: { ...observedBatchJob().counts({ active: 1 }).obj(), spec: created.spec },
  suspended: { ...observedBatchJob().obj(), spec: { ...created.spec!, suspend: true } },
  complete: { ...observedBatchJob().condition('Complete').counts({ succeeded: 1 }).obj(), spec: created.spec },
  failed: { ...observedBatchJob().condition('Failed', 'BackoffLimitExceeded').counts({ failed: 2 }).obj(), spec: created.spec },
};
const pods = {
  pending: observedPod().obj(),
  unschedulable: observedPod().unschedulable('0/3 nodes are available').obj(),
  imagePull: observedPod().on('gpu-1').waiting('ImagePullBackOff', 'no such image').obj(),
  downloading: observedPod().on('gpu-1').initRunning('pull').obj(),
  uploading: observedPod().on('gpu-1').sidecarRunning().mainExited(0).obj(),
  running: observedPod().on('gpu-1').phase('Running').obj(),
  oomKilled: observedPod().on('gpu-1').exited(137, 'OOMKilled').obj(),
  succeeded: observedPod().on('gpu-1').exited(0).obj(),
};

function observed(batchJob: k8s.V1Job, pod: k8s.V1Pod, trim: boolean): ObservedRun {
  const full = withPodSpec(pod);
  return {
    batchJob: trim ? trimBatchJob(batchJob) : batchJob,
    pods: [trim ? trimPod(full) : full],
    specChangedAfterStart: false,
    expectsResult: true,
  };
}

describe('trimmed cache entries', () => {
  it('drop the pod spec but the node and who holds the transfer token, and keep metadata and status whole', () => {
    const pod = withPodSpec(pods.uploading);
    const trimmed = trimPod(pod);
    expect(trimmed.spec?.nodeName).toBe('gpu-1');
    expect(trimmed.spec?.containers).toEqual([]);
    expect(trimmed.spec?.initContainers?.map((c) => [c.name, c.args])).toEqual([['pull', ['transfer', 'pull']], ['push', ['transfer', 'push', '--wait-for-termination']]]);
    expect(trimmed.spec?.volumes?.map((v) => v.name)).toEqual(['tessera-token']);
    expect(trimmed.metadata).toBe(pod.metadata);
    expect(trimmed.status).toBe(pod.status);
    // The two movers' shapes stay (the transfer API checks them); the rest of the spec goes.
    expect(JSON.stringify(trimmed).length).toBeLessThan(JSON.stringify(pod).length * 0.6);
  });

  it('drop the batch Job pod template but its init containers names, and keep suspension', () => {
    const trimmed = trimBatchJob(batchJobs.suspended);
    expect(trimmed.spec).toEqual({ suspend: true, template: { spec: { initContainers: [{ name: 'pull' }, { name: 'push' }] } } });
    expect(trimmed.status).toBe(batchJobs.suspended.status);
    expect(trimBatchJob(batchJobs.running).spec?.suspend).toBeUndefined();
  });

  // The trim is safe exactly when nothing the operator decides changes: every phase and reason of a run.
  for (const [batchName, batchJob] of Object.entries(batchJobs)) {
    for (const [podName, pod] of Object.entries(pods)) {
      it(`give a Job the same status as the full objects: batch Job ${batchName}, pod ${podName}`, () => {
        const fromFull = jobStatus(job, observed(batchJob, pod, false), now);
        expect(jobStatus(job, observed(batchJob, pod, true), now)).toEqual(fromFull);
      });
    }
  }
});

describe('trimTesseraObject', () => {
  it("drops kubectl's last-applied copy and keeps every other annotation", () => {
    const applied = { ...job, metadata: { ...job.metadata, annotations: { [lastAppliedAnnotation]: JSON.stringify(job), 'sim.tessera.dev/run-for': '2s' } } };
    const trimmed = trimTesseraObject(applied);
    expect(trimmed.metadata.annotations).toEqual({ 'sim.tessera.dev/run-for': '2s' });
    expect({ ...trimmed, metadata: { ...trimmed.metadata, annotations: undefined } }).toEqual({ ...applied, metadata: { ...applied.metadata, annotations: undefined } });
    expect(applied.metadata.annotations[lastAppliedAnnotation]).toBeDefined();
  });

  it('leaves an object without the copy as it is', () => {
    expect(trimTesseraObject(job)).toBe(job);
    const onlyCopy = { ...job, metadata: { ...job.metadata, annotations: { [lastAppliedAnnotation]: '{}' } } };
    expect(trimTesseraObject(onlyCopy).metadata.annotations).toBeUndefined();
  });
});
