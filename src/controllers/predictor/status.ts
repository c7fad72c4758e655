// The status a Predictor should have, from what the reconciler resolved and observed. Pure.
// Ready and phase follow the Deployment: Ready once every wanted pod runs the current template and
// is ready, with no pod of an older one left (a rollout with maxUnavailable 0 keeps serving until
// then); Rolling while that is not so. A model or server that cannot be resolved keeps whatever is
// deployed (status.modelDigest stays what the pods were given) and says why in ModelResolved.
// Reconciling and Stalled follow kstatus, so Helm's --wait, Flux and Argo CD read it as they read a
// Deployment: a rollout past its progress deadline (pods that never get ready) is Stalled, as is a
// spec only a person can fix; waiting for a model that may still come is Reconciling.
import type * as k8s from '@kubernetes/client-node';
import { PredictorConditionType, PredictorPhase, PredictorReason, type Predictor, type PredictorStatus } from '../../api/predictor.ts';
import { mergeConditions, type ConditionUpdate } from '../shared/conditions.ts';
import { predictorEndpoint } from './names.ts';
import type { ResolvedPredictor, Unresolved } from './resolve.ts';

/** What the reconciler found. */
export interface PredictorObservation {
  /** The model and server, resolved and authorized, or why not. */
  outcome: { kind: 'ready'; resolved: ResolvedPredictor } | Unresolved;
  /** The Deployment under the Predictor's name, when it is the Predictor's own. */
  deployment?: Readonly<k8s.V1Deployment> | undefined;
  /** Whether the Deployment carries the spec the operator wants now. */
  upToDate: boolean;
}

type Verdict = { phase: string; ready: boolean; reason: string; message: string; stalled?: boolean };

const count = (value: number | undefined): number => value ?? 0;

/** Whether the Deployment has rolled out the template it carries, to every wanted pod, all ready. */
export function rolledOut(predictor: Readonly<Predictor>, deployment: Readonly<k8s.V1Deployment>): boolean {
  const wanted = predictor.spec.replicas ?? 1;
  const status = deployment.status ?? {};
  const seen = count(status.observedGeneration) >= count(deployment.metadata?.generation);
  return seen && count(status.updatedReplicas) === wanted && count(status.readyReplicas) >= wanted && count(status.replicas) === wanted;
}

/** The Deployment's own word that the rollout passed its progress deadline, if it says so. */
function deadlinePassed(deployment: Readonly<k8s.V1Deployment>): k8s.V1DeploymentCondition | undefined {
  return deployment.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
}

function rollout(predictor: Readonly<Predictor>, observed: PredictorObservation): Verdict {
  const { deployment } = observed;
  const wanted = predictor.spec.replicas ?? 1;
  if (!deployment) return { phase: PredictorPhase.Pending, ready: false, reason: PredictorReason.Waiting, message: 'creating the Deployment' };
  if (observed.upToDate && rolledOut(predictor, deployment)) return { phase: PredictorPhase.Ready, ready: true, reason: PredictorReason.Serving, message: `${wanted} of ${wanted} pods serve at ${predictorEndpoint(predictor)}` };
  const progress = `${count(deployment.status?.updatedReplicas)} of ${wanted} pods updated, ${count(deployment.status?.readyReplicas)} ready`;
  const deadline = observed.upToDate ? deadlinePassed(deployment) : undefined;
  if (deadline) {
    const said = (deadline.message ?? 'the rollout passed its progress deadline').replace(/\.$/, '');
    return { phase: PredictorPhase.Failed, ready: false, stalled: true, reason: PredictorReason.RolloutStalled, message: `${progress}: ${said}` };
  }
  return { phase: PredictorPhase.Rolling, ready: false, reason: PredictorReason.Rolling, message: progress };
}

const failedReasons: ReadonlySet<string> = new Set([PredictorReason.InvalidSpec, PredictorReason.NameTaken]);

function verdict(predictor: Readonly<Predictor>, observed: PredictorObservation): Verdict {
  const { outcome } = observed;
  if (outcome.kind === 'ready') return rollout(predictor, observed);
  const stalled = outcome.kind === 'refused' || failedReasons.has(outcome.reason);
  return { phase: stalled ? PredictorPhase.Failed : PredictorPhase.Pending, ready: false, stalled, reason: outcome.reason, message: outcome.message };
}

/** Ready, Reconciling and Stalled, exactly one True (kstatus), all with the verdict's reason. */
function kstatusConditions(found: Verdict): ConditionUpdate[] {
  const state = (on: boolean): 'True' | 'False' => (on ? 'True' : 'False');
  const said = { reason: found.reason, message: found.message };
  return [
    { type: PredictorConditionType.Ready, status: state(found.ready), ...said },
    { type: PredictorConditionType.Reconciling, status: state(!found.ready && !found.stalled), ...said },
    { type: PredictorConditionType.Stalled, status: state(found.stalled === true), ...said },
  ];
}

function modelCondition(outcome: PredictorObservation['outcome']): ConditionUpdate {
  if (outcome.kind === 'ready') return { type: PredictorConditionType.ModelResolved, status: 'True', reason: PredictorReason.Resolved, message: `serves ${outcome.resolved.model.source} (${outcome.resolved.model.digest})` };
  return { type: PredictorConditionType.ModelResolved, status: 'False', reason: outcome.reason, message: outcome.message };
}

/** What status says is served: the resolved model, else what was served before. */
function served(predictor: Readonly<Predictor>, outcome: PredictorObservation['outcome']): Pick<PredictorStatus, 'modelDigest' | 'modelSource' | 'codeDigest'> {
  if (outcome.kind !== 'ready') {
    const { modelDigest, modelSource, codeDigest } = predictor.status ?? {};
    return Object.fromEntries(Object.entries({ modelDigest, modelSource, codeDigest }).filter(([, v]) => v !== undefined));
  }
  const { model, server } = outcome.resolved;
  return { modelDigest: model.digest, modelSource: model.source, ...(server.code ? { codeDigest: server.code } : {}) };
}

/** The status `predictor` should have now. */
export function predictorStatus(predictor: Readonly<Predictor>, observed: PredictorObservation, now: Date): PredictorStatus {
  const generation = predictor.metadata.generation;
  const found = verdict(predictor, observed);
  const conditions = mergeConditions(
    predictor.status?.conditions,
    [...kstatusConditions(found), modelCondition(observed.outcome)],
    { now, generation },
  );
  const wanted = predictor.spec.replicas ?? 1;
  const ready = observed.deployment?.status?.readyReplicas ?? 0;
  const model = served(predictor, observed.outcome);
  const status: PredictorStatus = {
    phase: found.phase as PredictorStatus['phase'],
    message: found.message,
    replicas: wanted,
    readyReplicas: ready,
    replicasReady: `${ready}/${wanted}`,
    ...model,
    ...(model.modelDigest ? { modelDigestShort: model.modelDigest.slice('sha256:'.length, 'sha256:'.length + 12) } : {}),
    endpoint: predictorEndpoint(predictor),
    observedGeneration: generation,
    conditions,
  };
  return status;
}
