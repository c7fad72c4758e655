import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makeJob, makeReadyAlgo, observedBatchJob, observedPod } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import type { Algo } from '../../api/algo.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { RunPlan } from '../protocol.ts';
import { allowedOutputs, authorizeRun, checkReadable, checkWritable, indexedDataset, type RunLookups } from './authorize.ts';
import { TransferError } from './errors.ts';
import type { PodIdentity } from './identity.ts';

const data = digestOf('data');
const code = digestOf('code');

/** Lookups over plain objects, found by namespace and name. */
function runLookups(objects: { pods?: k8s.V1Pod[]; jobs?: TesseraJob[]; batchJobs?: k8s.V1Job[]; algos?: Algo[]; datasets?: Dataset[] }): RunLookups {
  const find = <T extends { metadata?: { name?: string; namespace?: string } }>(list: T[] | undefined, namespace: string, name: string): T | undefined =>
    list?.find((o) => o.metadata?.namespace === namespace && o.metadata.name === name);
  return {
    pod: (namespace, name) => find(objects.pods, namespace, name),
    job: (namespace, name) => find(objects.jobs, namespace, name),
    batchJob: (namespace, name) => find(objects.batchJobs, namespace, name),
    algo: (namespace, name) => find(objects.algos, namespace, name),
    dataset: (namespace, name) => find(objects.datasets, namespace, name),
  };
}

/** The reason authorizeRun refuses with, or undefined when it accepts. */
function refusal(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof TransferError ? error.reason : `not a TransferError: ${String(error)}`;
  }
}

const job = makeJob('train')
  .outputs('model')
  .status({ phase: 'Running', inputs: [{ name: 'data', digest: data, source: 'file set' }], code: { digest: code, source: 'file set' } })
  .obj();
const batchJob = observedBatchJob().controlledBy(job).obj();
const pod = observedPod('train-run-1-abcde').uid('pod-uid').labelledFor(job).controlledBy(batchJob);
const identity: PodIdentity = { namespace: 'team-a', podName: 'train-run-1-abcde', podUid: 'pod-uid' };
const world = { pods: [pod.obj()], jobs: [job], batchJobs: [batchJob] };

describe('authorizeRun', () => {
  it("plans the inputs and code the controller recorded, and the Job's outputs", () => {
    const { plan, job: proven } = authorizeRun(identity, runLookups(world));
    expect(proven?.metadata.uid).toBe('uid-train');
    expect(plan).toEqual({
      namespace: 'team-a',
      job: 'train',
      inputs: [
        { name: 'data', digest: data, target: 'inputs/data' },
        { name: 'code', digest: code, target: 'code' },
      ],
      outputs: ['model'],
    });
  });

  it("reports the main container's exit code once it has ended", () => {
    const ended = observedPod('train-run-1-abcde').uid('pod-uid').labelledFor(job).controlledBy(batchJob).sidecarRunning().mainExited(3).obj();
    expect(authorizeRun(identity, runLookups({ ...world, pods: [ended] })).plan.mainExitCode).toBe(3);
  });

  it('plans nothing to read before the controller recorded any input', () => {
    const fresh = makeJob('train').outputs('model').obj();
    const plan = authorizeRun(identity, runLookups({ ...world, jobs: [fresh] })).plan;
    expect(plan.inputs).toEqual([]);
  });

  const otherJob = makeJob('train').obj();
  otherJob.metadata.uid = 'uid-recreated';
  const impostor = makeJob('impostor').obj();
  const foreignBatch = observedBatchJob().controlledBy(impostor).obj();

  it.each([
    { name: 'an unknown pod', lookups: runLookups({ ...world, pods: [] }), wantReason: 'NotFound' },
    { name: 'a pod of the same name but another uid', lookups: runLookups({ ...world, pods: [pod.obj()] }), identity: { ...identity, podUid: 'old-uid' }, wantReason: 'NotFound' },
    { name: 'labels naming a Job that does not exist', lookups: runLookups({ ...world, jobs: [] }), wantReason: 'Forbidden' },
    { name: 'labels naming a Job whose uid differs', lookups: runLookups({ ...world, jobs: [otherJob] }), wantReason: 'Forbidden' },
    {
      name: 'a pod controlled by nothing',
      lookups: runLookups({ ...world, pods: [observedPod('train-run-1-abcde').uid('pod-uid').labelledFor(job).obj()] }),
      wantReason: 'Forbidden',
    },
    { name: 'a pod whose batch Job is gone', lookups: runLookups({ ...world, batchJobs: [] }), wantReason: 'Forbidden' },
    {
      name: 'a pod controlled by another batch Job of the same name',
      lookups: runLookups({ ...world, batchJobs: [{ ...batchJob, metadata: { ...batchJob.metadata, uid: 'other-batch-uid' } }] }),
      wantReason: 'Forbidden',
    },
    { name: 'a batch Job not controlled by the Tessera Job', lookups: runLookups({ ...world, batchJobs: [foreignBatch] }), wantReason: 'Forbidden' },
  ])('refuses $name: $wantReason', ({ lookups, identity: asked = identity, wantReason }) => {
    expect(refusal(() => authorizeRun(asked, lookups))).toBe(wantReason);
  });

  it("allows the Algo's outputs when the Job names none", () => {
    const algoJob = makeJob('train').algo('train').obj();
    const algo = makeReadyAlgo('train').outputs('model', 'report').obj();
    const plan = authorizeRun(identity, runLookups({ ...world, jobs: [algoJob], algos: [algo] })).plan;
    expect(plan.outputs).toEqual(['model', 'report']);
  });
});

describe('allowedOutputs', () => {
  const algo = makeReadyAlgo('train').outputs('model', 'report').obj();

  it.each([
    { name: "the Job's own outputs over the Algo's", job: makeJob('train').algo('train').outputs('weights'), algo, want: ['weights'] },
    { name: "the Algo's when the Job names none", job: makeJob('train').algo('train'), algo, want: ['model', 'report'] },
    { name: 'none for an image Job without outputs', job: makeJob('train'), algo: undefined, want: [] },
  ])('$name', ({ job: built, algo: withAlgo, want }) => {
    expect(allowedOutputs(built.obj(), withAlgo)).toEqual(want);
  });
});

describe('checkReadable and checkWritable', () => {
  const plan: RunPlan = { namespace: 'team-a', job: 'train', inputs: [{ name: 'data', digest: data, target: 'inputs/data' }, { name: 'code', digest: code, target: 'code' }], outputs: ['model'] };

  it.each([
    { name: 'an input', digest: data, wantReason: undefined },
    { name: 'the code', digest: code, wantReason: undefined },
    { name: 'any other file set', digest: digestOf('secret'), wantReason: 'Forbidden' },
  ])('reading $name → $wantReason', ({ digest, wantReason }) => {
    expect(refusal(() => checkReadable(plan, digest))).toBe(wantReason);
  });

  it.each([
    { name: 'a declared output', output: 'model', wantReason: undefined },
    { name: 'an undeclared output', output: 'extra', wantReason: 'Forbidden' },
    { name: 'an input name', output: 'data', wantReason: 'Forbidden' },
  ])('writing $name → $wantReason', ({ output, wantReason }) => {
    expect(refusal(() => checkWritable(plan, output))).toBe(wantReason);
  });
});

describe('indexedDataset: only the index Job a Dataset recorded', () => {
  const dataset = (indexJob?: { name: string; uid: string }): Dataset => ({
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'scans', namespace: 'team-a', uid: 'uid-scans' },
    spec: { source: { prefix: { prefix: 'scans/' } } },
    ...(indexJob ? { status: { indexJob } } : {}),
  });
  const indexJob = (uid: string, ownerUid = 'uid-scans'): TesseraJob => {
    const built = makeJob('scans-import-1').obj();
    built.metadata.uid = uid;
    built.metadata.labels = { 'app.kubernetes.io/component': 'dataset-index' };
    built.metadata.ownerReferences = [{ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', name: 'scans', uid: ownerUid, controller: true }];
    return built;
  };
  it.each([
    { name: 'the recorded Job', job: indexJob('uid-real'), record: { name: 'scans-import-1', uid: 'uid-real' }, want: true },
    { name: 'a look-alike with the same labels and owner reference', job: indexJob('uid-forged'), record: { name: 'scans-import-1', uid: 'uid-real' }, want: false },
    { name: 'any Job while the Dataset recorded none', job: indexJob('uid-real'), record: undefined, want: false },
    { name: 'a Job naming another Dataset uid', job: indexJob('uid-real', 'uid-other'), record: { name: 'scans-import-1', uid: 'uid-real' }, want: false },
  ])('$name: $want', ({ job: candidate, record, want }) => {
    const lookups = runLookups({ datasets: [dataset(record)] });
    expect(indexedDataset(candidate, lookups) !== undefined).toBe(want);
  });
});
