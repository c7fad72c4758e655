// What a Predictor's pod may pull: exactly the model (and Algo code) its Predictor's status records,
// which the Predictor controller wrote only after checking its namespace holds them; no outputs.
// The pod is proven by its labels naming the Predictor's uid, and then (server.ts) by the seal the
// operator put on the Deployment's pod template over that uid and the Deployment's name: labels a
// tenant can copy, a seal it cannot. Pure.
import type * as k8s from '@kubernetes/client-node';
import type { Predictor } from '../../api/predictor.ts';
import { modelInputName, predictorSealSubject } from '../../controllers/predictor/desired.ts';
import { predictorChildName, predictorLabels } from '../../controllers/predictor/names.ts';
import type { RunSubject } from '../../controllers/job/run-seal.ts';
import type { RunPlan } from '../protocol.ts';
import { TransferError } from './errors.ts';

/** Reads the Predictor cache. */
export type PredictorLookup = (namespace: string, name: string) => Readonly<Predictor> | undefined;

/** Whether the pod says it serves a Predictor (its labels; proven by predictorOfPod and the seal). */
export function claimsPredictor(pod: Readonly<k8s.V1Pod>): boolean {
  return pod.metadata?.labels?.[predictorLabels.predictor] !== undefined;
}

/** The Predictor the pod's labels name, when it exists with that uid; Forbidden otherwise. */
export function predictorOfPod(pod: Readonly<k8s.V1Pod>, lookup: PredictorLookup | undefined): Readonly<Predictor> {
  const { namespace = '', name = '', labels = {} } = pod.metadata ?? {};
  const predictor = lookup?.(namespace, labels[predictorLabels.predictor] ?? '');
  if (predictor && predictor.metadata.uid === labels[predictorLabels.predictorUid]) return predictor;
  throw new TransferError('Forbidden', `pod ${namespace}/${name} is not a pod of a Tessera Predictor`);
}

/** What a Predictor's pod reads: the recorded model and code; it writes nothing. */
export function predictorPlanOf(predictor: Readonly<Predictor>): RunPlan {
  const { modelDigest, codeDigest } = predictor.status ?? {};
  const inputs = modelDigest ? [{ name: modelInputName, digest: modelDigest, target: `inputs/${modelInputName}` }] : [];
  if (codeDigest) inputs.push({ name: 'code', digest: codeDigest, target: 'code' });
  return { namespace: predictor.metadata.namespace ?? '', job: predictorChildName(predictor.metadata.name), inputs, outputs: [] };
}

/** What the pod's seal must stand for. */
export function predictorPodSubject(predictor: Readonly<Predictor>): RunSubject {
  return predictorSealSubject(predictor);
}
