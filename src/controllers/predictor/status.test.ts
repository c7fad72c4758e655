import { describe, expect, it } from 'vitest';
import { makePredictor, modelDigest, observedDeployment } from '../../../test/support/predictor-builders.ts';
import type { PredictorStatus } from '../../api/predictor.ts';
import { predictorStatus, type PredictorObservation } from './status.ts';
import { predictorEvents } from './events.ts';

const now = new Date('2026-12-05T00:00:00Z');
const ready: PredictorObservation['outcome'] = { kind: 'ready', resolved: { model: { digest: modelDigest(), source: 'job team-a/train/model' }, server: { image: 'i' } } };
const condition = (status: PredictorStatus, type: string): unknown => status.conditions?.find((c) => c.type === type);

describe('predictorStatus', () => {
  it.each([
    { name: 'no Deployment yet', deploymentStatus: undefined, upToDate: true, phase: 'Pending', readyStatus: 'False', reason: 'Waiting' },
    { name: 'pods not ready', deploymentStatus: { replicas: 2, updatedReplicas: 2, readyReplicas: 1 }, upToDate: true, phase: 'Rolling', readyStatus: 'False', reason: 'Rolling' },
    { name: 'every pod updated and ready', deploymentStatus: { replicas: 2, updatedReplicas: 2, readyReplicas: 2 }, upToDate: true, phase: 'Ready', readyStatus: 'True', reason: 'Serving' },
    { name: 'an old pod still running beside the new ones', deploymentStatus: { replicas: 3, updatedReplicas: 2, readyReplicas: 3 }, upToDate: true, phase: 'Rolling', readyStatus: 'False', reason: 'Rolling' },
    { name: 'ready pods of a template the operator is replacing', deploymentStatus: { replicas: 2, updatedReplicas: 2, readyReplicas: 2 }, upToDate: false, phase: 'Rolling', readyStatus: 'False', reason: 'Rolling' },
  ])('$name → $phase', ({ deploymentStatus, upToDate, phase, readyStatus, reason }) => {
    const predictor = makePredictor().spec({ replicas: 2 }).obj();
    const deployment = deploymentStatus && observedDeployment(predictor, 'h', deploymentStatus);
    const status = predictorStatus(predictor, { outcome: ready, deployment, upToDate }, now);
    expect(status).toMatchObject({ phase, replicas: 2, modelDigest: modelDigest(), endpoint: 'http://serve-predictor.team-a.svc:8080', observedGeneration: 1 });
    expect(condition(status, 'Ready')).toMatchObject({ status: readyStatus, reason });
    expect(condition(status, 'ModelResolved')).toMatchObject({ status: 'True', reason: 'Resolved' });
  });

  it('waits on a Deployment that has not seen its latest generation', () => {
    const predictor = makePredictor().obj();
    const deployment = observedDeployment(predictor, 'h', { replicas: 1, updatedReplicas: 1, readyReplicas: 1, observedGeneration: 1 }, 2);
    expect(predictorStatus(predictor, { outcome: ready, deployment, upToDate: true }, now).phase).toBe('Rolling');
  });

  it('shows ready/desired and the short digest for kubectl get', () => {
    const predictor = makePredictor().spec({ replicas: 3 }).obj();
    const deployment = observedDeployment(predictor, 'h', { replicas: 3, updatedReplicas: 3, readyReplicas: 1 });
    const status = predictorStatus(predictor, { outcome: ready, deployment, upToDate: true }, now);
    expect(status.replicasReady).toBe('1/3');
    expect(status.modelDigestShort).toBe(modelDigest().slice(7, 19));
  });

  it.each([
    ['refused: NotAuthorized', { kind: 'refused', reason: 'NotAuthorized', message: 'namespace team-a does not hold file set x' }, 'Failed'],
    ['refused: ModelNotFound', { kind: 'refused', reason: 'ModelNotFound', message: 'Job team-a/train has no output named model' }, 'Failed'],
    ['waiting: AlgoNotFound', { kind: 'waiting', reason: 'AlgoNotFound', message: 'Algo serve not found' }, 'Pending'],
    ['an invalid spec', { kind: 'refused', reason: 'InvalidSpec', message: 'spec.image: Too small' }, 'Failed'],
  ] as const)('%s → %s, ModelResolved False with the reason', (_name, outcome, phase) => {
    const status = predictorStatus(makePredictor().obj(), { outcome, upToDate: false }, now);
    expect(status.phase).toBe(phase);
    expect(condition(status, 'ModelResolved')).toMatchObject({ status: 'False', reason: outcome.reason, message: outcome.message });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: outcome.reason });
    expect(status.modelDigest).toBeUndefined();
  });

  it.each([
    { name: 'serving', outcome: ready, deploymentStatus: { replicas: 1, updatedReplicas: 1, readyReplicas: 1 }, want: ['True', 'False', 'False'] },
    { name: 'rolling out', outcome: ready, deploymentStatus: { replicas: 1, updatedReplicas: 1, readyReplicas: 0 }, want: ['False', 'True', 'False'] },
    { name: 'waiting for a model that may still come', outcome: { kind: 'waiting', reason: 'ModelNotReady', message: 'Job team-a/train is Running' }, deploymentStatus: undefined, want: ['False', 'True', 'False'] },
    { name: 'a refused model', outcome: { kind: 'refused', reason: 'NotAuthorized', message: 'no' }, deploymentStatus: undefined, want: ['False', 'False', 'True'] },
  ] as const)('sets exactly one of Ready, Reconciling and Stalled (kstatus): $name', ({ outcome, deploymentStatus, want }) => {
    const predictor = makePredictor().obj();
    const deployment = deploymentStatus && observedDeployment(predictor, 'h', deploymentStatus);
    const status = predictorStatus(predictor, { outcome, deployment, upToDate: true }, now);
    expect(['Ready', 'Reconciling', 'Stalled'].map((type) => (condition(status, type) as { status: string }).status)).toEqual(want);
  });

  it('is Stalled, Failed with RolloutStalled, once the Deployment passes its progress deadline', () => {
    const predictor = makePredictor().obj();
    const stuck = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "serve-predictor-h" has timed out progressing.' };
    const deployment = observedDeployment(predictor, 'h', { replicas: 2, updatedReplicas: 1, readyReplicas: 1, conditions: [stuck] });
    const status = predictorStatus(predictor, { outcome: ready, deployment, upToDate: true }, now);
    expect(status.phase).toBe('Failed');
    expect(condition(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RolloutStalled', message: expect.stringContaining('has timed out progressing') as unknown });
    expect(condition(status, 'Reconciling')).toMatchObject({ status: 'False' });
    // The operator's own template change restarts the rollout: progress again, not a failure.
    expect(predictorStatus(predictor, { outcome: ready, deployment, upToDate: false }, now).phase).toBe('Rolling');
  });

  it('keeps the model it serves when a new one is refused: the pods keep what they were given', () => {
    const predictor = makePredictor().status({ phase: 'Ready', modelDigest: modelDigest(), modelSource: 'job team-a/train/model' }).obj();
    const status = predictorStatus(predictor, { outcome: { kind: 'refused', reason: 'NotAuthorized', message: 'no' }, upToDate: false }, now);
    expect(status).toMatchObject({ phase: 'Failed', modelDigest: modelDigest(), modelSource: 'job team-a/train/model' });
  });
});

describe('predictorEvents', () => {
  const status = (phase: PredictorStatus['phase'], reason: string, digest = modelDigest()): PredictorStatus => ({ phase, modelDigest: digest, message: reason, conditions: [{ type: 'Ready', status: phase === 'Ready' ? 'True' : 'False', reason, message: reason, lastTransitionTime: now.toISOString() }] });

  it('says each change of phase once, failure as a Warning, and a new model as ModelChanged', () => {
    expect(predictorEvents(undefined, status('Pending', 'Waiting'))).toEqual([expect.objectContaining({ type: 'Normal', reason: 'Waiting' })]);
    expect(predictorEvents(status('Rolling', 'Rolling'), status('Rolling', 'Rolling'))).toEqual([]);
    expect(predictorEvents(status('Rolling', 'Rolling'), status('Ready', 'Serving'))).toEqual([expect.objectContaining({ type: 'Normal', reason: 'Serving' })]);
    expect(predictorEvents(undefined, status('Failed', 'NotAuthorized'))).toEqual([expect.objectContaining({ type: 'Warning', reason: 'NotAuthorized' })]);
    expect(predictorEvents(status('Ready', 'Serving'), status('Rolling', 'Rolling', modelDigest('b'))).map((e) => e.reason)).toEqual(['ModelChanged', 'Rolling']);
  });
});
