// The Predictor reconciler: the thin edge around resolve.ts, desired.ts and status.ts. Each pass
// recomputes everything from the caches and the store, so it may stop at any line: resolve the
// model and server; check in the store that the Predictor's namespace holds every file set its pods
// will pull (the rule a Job's pinned inputs follow: a digest alone is no capability); record the
// resolved digests in status first (the transfer API lets a Predictor's pods pull exactly those),
// then write the Service and the Deployment, then the status the Deployment shows.
import type * as k8s from '@kubernetes/client-node';
import { PredictorReason, predictorSpecSchema, type Predictor, type PredictorStatus } from '../../api/predictor.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import { parseKey } from '../../runtime/object-key.ts';
import { holdsAccess, type UidOf } from '../../storage/access.ts';
import type { ManifestCache } from '../../storage/manifest-cache.ts';
import { manifestKey } from '../../storage/manifest.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import type { SigningKeys } from '../../storage/result-record.ts';
import { firstUnusableFileSet } from '../shared/fileset-check.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { subjectOf } from '../shared/transition-events.ts';
import { predictorEvents } from './events.ts';
import type { JobRuntimeConfig } from '../job/desired.ts';
import { deploymentHashAnnotation, desiredDeployment, desiredService } from './desired.ts';
import { predictorChildName } from './names.ts';
import { resolvePredictor, type PredictorLookups, type PredictorResolution, type ResolvedPredictor, type Unresolved } from './resolve.ts';
import { predictorStatus, type PredictorObservation } from './status.ts';
import type { ChildWrite, PredictorWrites } from './writes.ts';

/** The object store: Predictors pull file sets, so without one nothing can be served. */
export interface PredictorFileSets {
  store: BlobStore;
  signingKey: SigningKeys;
  manifests?: Pick<ManifestCache, 'check'>;
}

/** Everything the Predictor reconciler reads and writes. */
export interface PredictorReconcilerDeps {
  predictors: ObjectCache<Predictor>;
  deployments: ObjectCache<k8s.V1Deployment>;
  services: ObjectCache<k8s.V1Service>;
  lookups: PredictorLookups;
  namespaceUid: UidOf;
  fileSets: PredictorFileSets | undefined;
  writes: PredictorWrites;
  events: Pick<EventRecorder, 'record'>;
  config: JobRuntimeConfig;
  clock: Clock;
}

/** A model not pushed yet is looked at again after this long (the store sends no events). */
const recheckMs = 30_000;

function specProblem(predictor: Readonly<Predictor>): string | undefined {
  const parsed = predictorSpecSchema.safeParse(predictor.spec);
  return parsed.success ? undefined : parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
}

function isOwnedBy(child: Readonly<k8s.KubernetesObject> | undefined, predictor: Readonly<Predictor>): boolean {
  return child?.metadata?.ownerReferences?.some((r) => r.controller && r.uid === predictor.metadata.uid) ?? false;
}

/**
 * Why the Predictor's namespace may not serve `digest`, or undefined when it may. Held, not lent: a
 * plan lends file sets to a task's namespace for its runs only. The grant is checked before the
 * store, with the same answer for a digest that exists elsewhere and one that exists nowhere, so a
 * status never tells a tenant what other namespaces hold.
 */
async function fileSetRefusal(namespace: string, digest: string, what: string, deps: PredictorReconcilerDeps): Promise<Unresolved | undefined> {
  const store = deps.fileSets?.store;
  if (!store) return { kind: 'refused', reason: PredictorReason.ModelNotFound, message: 'the operator has no object store: it can serve no file set' };
  if (!(await holdsAccess(store, deps.namespaceUid, namespace, digest))) {
    return { kind: 'refused', reason: PredictorReason.NotAuthorized, message: `${what}: namespace ${namespace} does not hold file set ${digest}` };
  }
  if (!(await store.has(manifestKey(digest)))) return { kind: 'waiting', reason: PredictorReason.ModelNotFound, message: `${what}: no file set ${digest} in the store yet` };
  const unusable = deps.fileSets?.manifests && (await firstUnusableFileSet([digest], deps.fileSets.manifests));
  return unusable ? { kind: 'refused', reason: unusable.reason, message: `${what}: ${unusable.message}` } : undefined;
}

/** The resolution, with every file set the pods would pull checked against the namespace's holdings. */
async function authorized(predictor: Readonly<Predictor>, resolution: PredictorResolution, deps: PredictorReconcilerDeps): Promise<PredictorObservation['outcome']> {
  if (resolution.kind !== 'ready') return resolution;
  const namespace = predictor.metadata.namespace ?? '';
  const { model, server } = resolution.resolved;
  const refusal = (await fileSetRefusal(namespace, model.digest, `model (${model.source})`, deps)) ?? (server.code ? await fileSetRefusal(namespace, server.code, 'the Algo\'s code', deps) : undefined);
  return refusal ?? resolution;
}

async function outcomeOf(predictor: Readonly<Predictor>, deployment: Readonly<k8s.V1Deployment> | undefined, deps: PredictorReconcilerDeps): Promise<PredictorObservation['outcome']> {
  const problem = specProblem(predictor);
  if (problem) return { kind: 'refused', reason: PredictorReason.InvalidSpec, message: problem };
  const name = predictorChildName(predictor.metadata.name);
  if (deployment && !isOwnedBy(deployment, predictor)) return { kind: 'refused', reason: PredictorReason.NameTaken, message: `a Deployment named ${name} exists and is not this Predictor's: delete it or rename the Predictor` };
  const service = deps.services.get(predictor.metadata.namespace ?? '', name);
  if (service && !isOwnedBy(service, predictor)) return { kind: 'refused', reason: PredictorReason.NameTaken, message: `a Service named ${name} exists and is not this Predictor's: delete it or rename the Predictor` };
  if (deps.namespaceUid(predictor.metadata.namespace ?? '') === undefined) return { kind: 'waiting', reason: PredictorReason.Waiting, message: `namespace ${predictor.metadata.namespace} is not in the operator's cache yet` };
  return authorized(predictor, resolvePredictor(predictor, deps.lookups), deps);
}

/** Whether status already records what the pods will pull: the transfer API reads it from there. */
function recorded(predictor: Readonly<Predictor>, resolved: ResolvedPredictor): boolean {
  return predictor.status?.modelDigest === resolved.model.digest && predictor.status.codeDigest === resolved.server.code;
}

async function writeStatusIfChanged(predictor: Readonly<Predictor>, status: PredictorStatus, deps: PredictorReconcilerDeps, log: Logger): Promise<void> {
  if (predictor.status && jsonEqual(predictor.status, status)) return;
  await deps.writes.writeStatus(predictor, status);
  log.info({ phase: status.phase, model: status.modelDigest }, status.message ?? 'status written');
  for (const event of predictorEvents(predictor.status, status)) deps.events.record(subjectOf(predictor), event);
}

/** Writes the Service and the Deployment where they differ from what is wanted; a refusal instead, if the API server refuses. */
async function writeChildren(predictor: Readonly<Predictor>, resolved: ResolvedPredictor, deployment: Readonly<k8s.V1Deployment> | undefined, deps: PredictorReconcilerDeps): Promise<Unresolved | undefined> {
  const service = desiredService(predictor);
  const currentService = deps.services.get(predictor.metadata.namespace ?? '', service.metadata?.name ?? '');
  const hashOf = (obj: Readonly<k8s.KubernetesObject> | undefined): string | undefined => obj?.metadata?.annotations?.[deploymentHashAnnotation];
  const writes: ChildWrite[] = [];
  if (hashOf(currentService) !== hashOf(service)) writes.push(await deps.writes.applyService(service, currentService));
  const wanted = desiredDeployment(predictor, resolved, deps.config, deps.fileSets?.signingKey);
  if (hashOf(deployment) !== hashOf(wanted)) writes.push(await deps.writes.applyDeployment(wanted, deployment));
  const refused = writes.find((w): w is { refused: string } => w !== 'done');
  return refused ? { kind: 'refused', reason: PredictorReason.Refused, message: refused.refused } : undefined;
}

function isUpToDate(predictor: Readonly<Predictor>, outcome: PredictorObservation['outcome'], deployment: Readonly<k8s.V1Deployment> | undefined, deps: PredictorReconcilerDeps): boolean {
  if (outcome.kind !== 'ready' || !deployment) return false;
  const wanted = desiredDeployment(predictor, outcome.resolved, deps.config, deps.fileSets?.signingKey);
  return deployment.metadata?.annotations?.[deploymentHashAnnotation] === wanted.metadata?.annotations?.[deploymentHashAnnotation];
}

/** Reconciles one Predictor. */
export async function reconcilePredictor(key: string, log: Logger, deps: PredictorReconcilerDeps): Promise<ReconcileResult | void> {
  const { namespace, name } = parseKey(key);
  const predictor = deps.predictors.get(namespace, name);
  if (!predictor || predictor.metadata.deletionTimestamp) return;
  const deployment = deps.deployments.get(namespace, predictorChildName(name));
  let outcome = await outcomeOf(predictor, deployment, deps);
  const now = new Date(deps.clock.now());
  if (outcome.kind === 'ready' && !recorded(predictor, outcome.resolved)) {
    // Record first: the pods of the new template may pull only what status names.
    await writeStatusIfChanged(predictor, predictorStatus(predictor, { outcome, deployment, upToDate: false }, now), deps, log);
    return;
  }
  if (outcome.kind === 'ready') outcome = (await writeChildren(predictor, outcome.resolved, deployment, deps)) ?? outcome;
  const upToDate = isUpToDate(predictor, outcome, deployment, deps);
  await writeStatusIfChanged(predictor, predictorStatus(predictor, { outcome, deployment, upToDate }, now), deps, log);
  if (outcome.kind === 'waiting') return { requeueAfterMs: recheckMs };
}
