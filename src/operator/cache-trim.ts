import type * as k8s from '@kubernetes/client-node';

// What the operator's caches keep of its pods and batch Jobs. A cached pod is mostly its spec
// (containers, env, volumes, probes) and a batch Job mostly its pod template, neither of which any
// reconciler or the transfer API reads after creation; a thousand runs in flight would otherwise
// hold two copies of every pod template in memory. What is kept is what status, events, ownership
// proofs and results are computed from: metadata, status, the node, whether the run pushes outputs.

/** A pod as the operator reads it: metadata, status and the node it runs on. */
export function trimPod(pod: k8s.V1Pod): k8s.V1Pod {
  const nodeName = pod.spec?.nodeName;
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: pod.metadata,
    spec: (nodeName === undefined ? {} : { nodeName }) as k8s.V1PodSpec,
    status: pod.status,
  };
}

/** A batch Job as the operator reads it: metadata, status, suspension and its init containers' names. */
export function trimBatchJob(batchJob: k8s.V1Job): k8s.V1Job {
  const spec = batchJob.spec;
  const initContainers = spec?.template.spec?.initContainers?.map((c) => ({ name: c.name }));
  const podSpec = (initContainers ? { initContainers } : {}) as k8s.V1PodSpec;
  return {
    apiVersion: batchJob.apiVersion,
    kind: batchJob.kind,
    metadata: batchJob.metadata,
    spec: spec && { ...(spec.suspend === undefined ? {} : { suspend: spec.suspend }), template: { spec: podSpec } },
    status: batchJob.status,
  };
}
