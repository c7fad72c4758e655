import type * as k8s from '@kubernetes/client-node';
import type { TesseraJob } from '../../api/job.ts';
import { batchJobName, labels, managedByValue, simulationAnnotationPrefix } from './names.ts';
import { runSpecHash, specHashAnnotation } from './spec-hash.ts';

/** Operator settings that shape every batch Job; parsed from flags and env by the CLI. */
export interface JobRuntimeConfig {
  /** How long a finished batch Job (and its pod) stays for inspection; status outlives it. */
  ttlSecondsAfterFinished: number;
  /** The uid/gid the restricted security context runs containers as. */
  runAsUser: number;
}

export const defaultJobRuntimeConfig: JobRuntimeConfig = { ttlSecondsAfterFinished: 3600, runAsUser: 65532 };

const gpuResource = 'nvidia.com/gpu';
const gpuProductLabel = 'nvidia.com/gpu.product';
/** What the kernel's OOM killer leaves as the exit code (128 + SIGKILL). */
const oomExitCode = 137;

/** The labels every child of a Tessera Job carries. */
export function childLabels(job: TesseraJob): Record<string, string> {
  return {
    [labels.name]: 'tessera',
    [labels.managedBy]: managedByValue,
    [labels.component]: 'job',
    [labels.job]: job.metadata.name,
    [labels.jobUid]: job.metadata.uid ?? '',
  };
}

function ownerReference(job: TesseraJob): k8s.V1OwnerReference {
  return {
    apiVersion: job.apiVersion,
    kind: job.kind,
    name: job.metadata.name,
    uid: job.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** requests = limits, so the pod is Guaranteed QoS and a GPU count is exact. */
function containerResources(job: TesseraJob): k8s.V1ResourceRequirements | undefined {
  const wanted = job.spec.resources ?? {};
  const amounts: Record<string, string> = {};
  if (wanted.cpu !== undefined) amounts.cpu = String(wanted.cpu);
  if (wanted.memory !== undefined) amounts.memory = String(wanted.memory);
  if (wanted.gpu) amounts[gpuResource] = String(wanted.gpu);
  return Object.keys(amounts).length ? { requests: { ...amounts }, limits: { ...amounts } } : undefined;
}

function tolerations(job: TesseraJob): k8s.V1Toleration[] | undefined {
  const own = (job.spec.tolerations ?? []) as k8s.V1Toleration[];
  if (!job.spec.resources?.gpu) return own.length ? own : undefined;
  return [...own, { key: gpuResource, operator: 'Exists', effect: 'NoSchedule' }];
}

function nodeSelector(job: TesseraJob): Record<string, string> | undefined {
  const selector = { ...job.spec.nodeSelector };
  const product = job.spec.resources?.gpuProduct;
  if (product) selector[gpuProductLabel] = product;
  return Object.keys(selector).length ? selector : undefined;
}

/**
 * Disruptions (preemption, eviction, node loss) never count against retries; an OOM kill or an exit
 * code the user listed fails the Job at once, since retrying the same input would fail the same way.
 */
function podFailurePolicy(job: TesseraJob): k8s.V1PodFailurePolicy {
  const fatalCodes = [...new Set([oomExitCode, ...(job.spec.failOnExitCodes ?? [])])]
    .filter((code) => code !== 0)
    .sort((a, b) => a - b);
  return {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: fatalCodes } },
    ],
  };
}

function podAnnotations(job: TesseraJob): Record<string, string> | undefined {
  const entries = Object.entries(job.metadata.annotations ?? {}).filter(([key]) =>
    key.startsWith(simulationAnnotationPrefix),
  );
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function mainContainer(job: TesseraJob): k8s.V1Container {
  return {
    name: 'main',
    image: job.spec.image ?? '',
    command: job.spec.command,
    args: job.spec.args,
    env: job.spec.env,
    resources: containerResources(job),
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

function podSpec(job: TesseraJob, config: JobRuntimeConfig): k8s.V1PodSpec {
  return {
    restartPolicy: 'Never',
    containers: [mainContainer(job)],
    tolerations: tolerations(job),
    nodeSelector: nodeSelector(job),
    priorityClassName: job.spec.priorityClassName,
    serviceAccountName: job.spec.serviceAccountName,
    automountServiceAccountToken: job.spec.serviceAccountName ? undefined : false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: config.runAsUser,
      runAsGroup: config.runAsUser,
      fsGroup: config.runAsUser,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/**
 * The batch/v1 Job that runs `job`: one pod, requests = limits for cpu, memory and GPUs, retries as
 * backoffLimit, timeout as activeDeadlineSeconds. With a Kueue queue it is created suspended and
 * Kueue admits it; its pod template is written once, at creation, and never re-applied.
 */
export function desiredBatchJob(job: TesseraJob, config: JobRuntimeConfig): k8s.V1Job {
  const ownLabels = childLabels(job);
  const queue = job.spec.queueName;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: batchJobName(job.metadata.name, job.metadata.uid ?? ''),
      namespace: job.metadata.namespace,
      labels: queue ? { ...ownLabels, [labels.kueueQueue]: queue } : ownLabels,
      annotations: { [specHashAnnotation]: runSpecHash(job) },
      ownerReferences: [ownerReference(job)],
    },
    spec: {
      backoffLimit: job.spec.retries ?? 0,
      activeDeadlineSeconds: job.spec.timeoutSeconds,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      podReplacementPolicy: 'Failed',
      podFailurePolicy: podFailurePolicy(job),
      suspend: queue ? true : undefined,
      template: {
        metadata: { labels: { ...ownLabels }, annotations: podAnnotations(job) },
        spec: podSpec(job, config),
      },
    },
  };
}
