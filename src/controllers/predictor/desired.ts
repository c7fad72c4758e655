// The Deployment and Service a Predictor stands on, computed from the Predictor and what it resolved
// to. Pure. The pod is a Job's pod without outputs: the same `pull` init container (the mover, with
// the transfer token only it mounts) fetches the model into /tessera/inputs/model (and the Algo's
// code into /tessera/code), then the server runs as `main`, under the same restricted security
// context, resources and placement rules as a run. The pod template carries the operator's seal
// (run-seal.ts) over the Predictor's uid and the Deployment's name: the transfer API serves a pod
// only while that seal verifies, so a tenant's own pod under the same labels gets nothing.
import type * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { Predictor } from '../../api/predictor.ts';
import { podPaths } from '../../transfer/protocol.ts';
import type { SigningKeys } from '../../storage/result-record.ts';
import { containerResources, nodeSelector, tolerations, workDirSize, type JobRuntimeConfig } from '../job/desired.ts';
import { moverPodParts } from '../job/mover-containers.ts';
import { simulationAnnotationPrefix } from '../job/names.ts';
import type { EffectiveRun } from '../job/resolve.ts';
import { runSealAnnotation, sealRun } from '../job/run-seal.ts';
import { childLabels, podSelector, predictorChildName, predictorPort } from './names.ts';
import type { ResolvedPredictor } from './resolve.ts';

/** The input name the model is pulled under: /tessera/inputs/model. */
export const modelInputName = 'model';
/** On the pod template: the model it serves, for people (and so a new model is a new template). */
export const modelDigestAnnotation = 'tessera.dev/model-digest';
/** On the Deployment: the hash of the spec the operator wrote, so it rewrites only what changed. */
export const deploymentHashAnnotation = 'tessera.dev/spec-hash';

/** The run the mover sees: the model as the one input, the Algo's code if any, no outputs. */
export function moverRunOf(resolved: ResolvedPredictor): EffectiveRun {
  const run: EffectiveRun = { image: resolved.server.image, inputs: [{ name: modelInputName, digest: resolved.model.digest }], outputs: [], digestsToCheck: [] };
  if (resolved.server.resources) run.resources = resolved.server.resources;
  if (resolved.server.code) run.code = { digest: resolved.server.code };
  return run;
}

function ownerReference(predictor: Readonly<Predictor>): k8s.V1OwnerReference {
  return { apiVersion: predictor.apiVersion, kind: predictor.kind, name: predictor.metadata.name, uid: predictor.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function mainContainer(predictor: Readonly<Predictor>, resolved: ResolvedPredictor, mounts: k8s.V1VolumeMount[]): k8s.V1Container {
  const port = predictorPort(predictor);
  return {
    name: 'main',
    image: resolved.server.image,
    command: resolved.server.command,
    args: resolved.server.args,
    env: [{ name: 'TESSERA_MODEL_DIR', value: `${podPaths.root}/inputs/${modelInputName}` }, { name: 'PORT', value: String(port) }],
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    readinessProbe: { tcpSocket: { port: port }, periodSeconds: 2, failureThreshold: 3 },
    resources: containerResources(resolved.server),
    // A server has nothing to push: inputs and code only, read-only.
    volumeMounts: mounts.filter((m) => m.readOnly),
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  };
}

function podSpec(predictor: Readonly<Predictor>, resolved: ResolvedPredictor, config: JobRuntimeConfig): k8s.V1PodSpec {
  const run = moverRunOf(resolved);
  const mover = moverPodParts(run, config);
  const size = workDirSize(run);
  const placement = { spec: {} };
  return {
    initContainers: mover.initContainers,
    containers: [mainContainer(predictor, resolved, mover.mainMounts)],
    volumes: mover.volumes.map((v) => (v.emptyDir ? { ...v, emptyDir: { sizeLimit: size } } : v)),
    tolerations: tolerations(placement, run, config),
    nodeSelector: nodeSelector(placement, run, config),
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: config.runAsUser, runAsGroup: config.runAsUser, fsGroup: config.runAsUser, seccompProfile: { type: 'RuntimeDefault' } },
  };
}

function templateAnnotations(predictor: Readonly<Predictor>, resolved: ResolvedPredictor, spec: k8s.V1PodSpec, sealKeys: SigningKeys | undefined): Record<string, string> {
  const simulated = Object.entries(predictor.metadata.annotations ?? {}).filter(([key]) => key.startsWith(simulationAnnotationPrefix));
  const annotations: Record<string, string> = { ...Object.fromEntries(simulated), [modelDigestAnnotation]: resolved.model.digest };
  if (sealKeys?.length) annotations[runSealAnnotation] = sealRun(sealKeys, predictorSealSubject(predictor), spec);
  return annotations;
}

/** What a Predictor pod's seal stands for: its namespace, the Predictor's uid and the Deployment's name. */
export function predictorSealSubject(predictor: Readonly<Predictor>): { namespace: string; jobUid: string; batchJob: string } {
  return { namespace: predictor.metadata.namespace ?? '', jobUid: predictor.metadata.uid ?? '', batchJob: predictorChildName(predictor.metadata.name) };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/**
 * The Deployment that serves `predictor`: `replicas` pods of the resolved server, rolled with
 * maxUnavailable 0 so a new model or spec replaces pods only as new ones become ready. With
 * `sealKeys` (an operator with an object store) its pods carry the seal the transfer API checks.
 */
export function desiredDeployment(predictor: Readonly<Predictor>, resolved: ResolvedPredictor, config: JobRuntimeConfig, sealKeys?: SigningKeys): k8s.V1Deployment {
  const labels = childLabels(predictor);
  const spec = podSpec(predictor, resolved, config);
  const deploymentSpec: k8s.V1DeploymentSpec = {
    replicas: predictor.spec.replicas ?? 1,
    selector: { matchLabels: podSelector(predictor) },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    revisionHistoryLimit: 3,
    progressDeadlineSeconds: predictor.spec.progressDeadlineSeconds,
    template: { metadata: { labels, annotations: templateAnnotations(predictor, resolved, spec, sealKeys) }, spec },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: predictorChildName(predictor.metadata.name),
      namespace: predictor.metadata.namespace,
      labels,
      annotations: { [deploymentHashAnnotation]: hashOf(deploymentSpec) },
      ownerReferences: [ownerReference(predictor)],
    },
    spec: deploymentSpec,
  };
}

/** The ClusterIP Service in front of the Predictor's ready pods. */
export function desiredService(predictor: Readonly<Predictor>): k8s.V1Service {
  const port = predictorPort(predictor);
  const spec: k8s.V1ServiceSpec = { type: 'ClusterIP', selector: podSelector(predictor), ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: predictorChildName(predictor.metadata.name),
      namespace: predictor.metadata.namespace,
      labels: childLabels(predictor),
      annotations: { [deploymentHashAnnotation]: hashOf(spec) },
      ownerReferences: [ownerReference(predictor)],
    },
    spec,
  };
}
