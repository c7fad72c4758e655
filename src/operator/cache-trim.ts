import type * as k8s from '@kubernetes/client-node';
import { namesInSeal, observedViewAnnotation, runSealAnnotation, runViewHash } from '../controllers/job/run-seal.ts';
import { transferAudience } from '../transfer/protocol.ts';

// What the operator's caches keep of its pods and batch Jobs. A cached pod is mostly its spec
// (containers, env, volumes, probes) and a batch Job mostly its pod template, neither of which any
// reconciler or the transfer API reads after creation; a thousand runs in flight would otherwise
// hold two copies of every pod template in memory. What is kept is what status, events, ownership
// proofs and results are computed from: metadata, status, the node, whether the run pushes outputs,
// and the hash of the sealed view (run-seal.ts), computed here from the spec before it is dropped.

/**
 * The token-holding part of a pod spec, which the transfer API checks before it answers a pod
 * (token-holders.ts): its projected transfer-token volumes and the containers that mount one, with
 * only the fields the check reads. Empty for a pod with no such volume, i.e. almost every pod.
 */
function tokenHolders(spec: k8s.V1PodSpec | undefined): Partial<k8s.V1PodSpec> {
  const volumes = (spec?.volumes ?? []).filter((v) => v.projected?.sources?.some((s) => s.serviceAccountToken?.audience === transferAudience));
  if (volumes.length === 0) return {};
  const names = new Set(volumes.map((v) => v.name));
  const holders = (containers: k8s.V1Container[] | undefined): k8s.V1Container[] | undefined => {
    const kept = (containers ?? [])
      .filter((c) => c.volumeMounts?.some((m) => names.has(m.name)))
      .map(({ name, image, command, args, env, envFrom, volumeMounts }) => ({ name, image, command, args, env, envFrom, volumeMounts }));
    return kept.length ? kept : undefined;
  };
  const trimmed: Partial<k8s.V1PodSpec> = { volumes };
  const [init, main, ephemeral] = [holders(spec?.initContainers), holders(spec?.containers), holders(spec?.ephemeralContainers)];
  if (init) trimmed.initContainers = init;
  trimmed.containers = main ?? [];
  if (ephemeral) trimmed.ephemeralContainers = ephemeral;
  return trimmed;
}

/** A pod as the operator reads it: metadata, status, the node it runs on, and who holds its transfer token. */
export function trimPod(pod: k8s.V1Pod): k8s.V1Pod {
  const nodeName = pod.spec?.nodeName;
  const seal = pod.metadata?.annotations?.[runSealAnnotation];
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: withObservedView(pod.metadata, seal, pod.spec),
    spec: { ...tokenHolders(pod.spec), ...(nodeName === undefined ? {} : { nodeName }) } as k8s.V1PodSpec,
    status: pod.status,
  };
}

/** Whether `metadata` must be copied to set or clear the seal keys; most objects need no copy. */
function touchesSealKeys(metadata: k8s.V1ObjectMeta, seal: string | undefined): boolean {
  const own = metadata.annotations ?? {};
  return seal !== undefined || runSealAnnotation in own || observedViewAnnotation in own;
}

/**
 * `metadata` with the seal it should be judged by (`seal`: the pod's own, or a batch Job's pod
 * template's) and the hash of the view that seal covers in `spec`; both are dropped when absent, so
 * nothing a tenant writes under those keys survives into the cache.
 */
function withObservedView(metadata: k8s.V1ObjectMeta | undefined, seal: string | undefined, spec: k8s.V1PodSpec | undefined): k8s.V1ObjectMeta | undefined {
  if (!metadata || !touchesSealKeys(metadata, seal)) return metadata;
  const { [runSealAnnotation]: _seal, [observedViewAnnotation]: _view, ...others } = metadata.annotations ?? {};
  const names = namesInSeal(seal);
  const viewHash = names && runViewHash(spec, names);
  const annotations = { ...others, ...(seal && viewHash ? { [runSealAnnotation]: seal, [observedViewAnnotation]: viewHash } : {}) };
  return { ...metadata, annotations: Object.keys(annotations).length ? annotations : undefined };
}

function templateSeal(batchJob: k8s.V1Job): string | undefined {
  return batchJob.spec?.template.metadata?.annotations?.[runSealAnnotation];
}

/**
 * A batch Job as the operator reads it: metadata (with its pod template's seal and sealed view),
 * status, suspension and its init containers' names.
 */
export function trimBatchJob(batchJob: k8s.V1Job): k8s.V1Job {
  const spec = batchJob.spec;
  const initContainers = spec?.template.spec?.initContainers?.map((c) => ({ name: c.name }));
  const podSpec = (initContainers ? { initContainers } : {}) as k8s.V1PodSpec;
  return {
    apiVersion: batchJob.apiVersion,
    kind: batchJob.kind,
    metadata: withObservedView(batchJob.metadata, templateSeal(batchJob), spec?.template.spec),
    spec: spec && { ...(spec.suspend === undefined ? {} : { suspend: spec.suspend }), template: { spec: podSpec } },
    status: batchJob.status,
  };
}

/**
 * A Predictor's Deployment as the operator reads it: metadata (its owner and the hash of the spec
 * it was written with), the replicas it wants and its status. The pod template is never read back.
 */
export function trimDeployment(deployment: k8s.V1Deployment): k8s.V1Deployment {
  const replicas = deployment.spec?.replicas;
  return {
    apiVersion: deployment.apiVersion,
    kind: deployment.kind,
    metadata: deployment.metadata,
    spec: { ...(replicas === undefined ? {} : { replicas }) } as k8s.V1DeploymentSpec,
    status: deployment.status,
  };
}

/** A Predictor's Service as the operator reads it: metadata and the cluster IPs a replace must keep. */
export function trimService(service: k8s.V1Service): k8s.V1Service {
  const { clusterIP, clusterIPs } = service.spec ?? {};
  return { apiVersion: service.apiVersion, kind: service.kind, metadata: service.metadata, spec: { clusterIP, clusterIPs } };
}

/**
 * A namespace as the operator reads it: its name, its uid (what grants and authorizations are keyed
 * by), when it was created (which legacy grants are its) and whether it is going.
 */
export function trimNamespace(namespace: k8s.V1Namespace): k8s.V1Namespace {
  const { name, uid, creationTimestamp, deletionTimestamp, resourceVersion } = namespace.metadata ?? {};
  return { apiVersion: namespace.apiVersion, kind: namespace.kind, metadata: { name, uid, creationTimestamp, deletionTimestamp, resourceVersion } };
}

/** The annotation `kubectl apply` (client-side) writes: a copy of the whole object as last applied. */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A Tessera object (Dataset, Algo, Job, ComputePlan) without the copy of itself `kubectl apply`
 * keeps in an annotation, which no reconciler reads: applied the documented way, that copy is about
 * half of what a cached Job or plan holds. Writes to these kinds are merge patches and status
 * replaces, which never send the cached metadata back, so the annotation stays on the server.
 */
export function trimTesseraObject<T extends k8s.KubernetesObject>(obj: T): T {
  const annotations = obj.metadata?.annotations;
  if (!annotations || !(lastAppliedAnnotation in annotations)) return obj;
  const { [lastAppliedAnnotation]: _copy, ...others } = annotations;
  return { ...obj, metadata: { ...obj.metadata, annotations: Object.keys(others).length ? others : undefined } };
}
