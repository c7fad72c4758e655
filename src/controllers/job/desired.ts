import type * as k8s from '@kubernetes/client-node';
import { defaultWorkDirSize } from '../../api/common.ts';
import type { TesseraJob } from '../../api/job.ts';
import { acceleratorDemand } from './accelerators.ts';
import { indexerParts, moverPodParts, usesFileSets, type MoverConfig, type MoverPodParts } from './mover-containers.ts';
import { batchJobName, labels, managedByValue, simulationAnnotationPrefix } from './names.ts';
import type { EffectiveRun } from './resolve.ts';
import { runSealAnnotation, sealRun } from './run-seal.ts';
import type { SigningKeys } from '../../storage/result-record.ts';
import { paramsFileParts } from './params-file.ts';
import { runSpecHash, specHashAnnotation } from './spec-hash.ts';
import { kueueGroupOf, kueueStopIgnoredRule, runQueueing } from './kueue-group.ts';

/** Operator settings that shape every batch Job; parsed from flags and env by the CLI. */
export interface JobRuntimeConfig extends MoverConfig {
  /** How long a finished batch Job (and its pod) stays for inspection; status outlives it. */
  ttlSecondsAfterFinished: number;
  /** The uid/gid the restricted security context runs containers as. */
  runAsUser: number;
  /** Node labels every run's pod must match, on top of its own (e.g. a pool reserved for Tessera). */
  podNodeSelector?: Record<string, string>;
  /** Taints every run's pod tolerates, on top of its own. */
  podTolerations?: k8s.V1Toleration[];
}

/**
 * The operator's own image, which movers run: the chart's appVersion (package.json's version);
 * `desired.test.ts` keeps them equal.
 */
export const defaultMoverImage = 'tessera/operator:0.1.0';

export const defaultJobRuntimeConfig: JobRuntimeConfig = {
  ttlSecondsAfterFinished: 3600,
  runAsUser: 65532,
  moverImage: defaultMoverImage,
  transferUrl: 'http://127.0.0.1:8090',
  uploadGraceSeconds: 600,
};

const ephemeralStorage = 'ephemeral-storage';
/** Where a GPU product named without a GPU count selects (NVIDIA's label, as `gpuProduct` documents). */
const gpuProductLabel = 'nvidia.com/gpu.product';
/** What the kernel's OOM killer leaves as the exit code (128 + SIGKILL). */
const oomExitCode = 137;

/**
 * The labels every child of a Tessera Job carries: its own `tessera.dev/` labels (a plan's task and
 * round, a Dataset's import), so `kubectl get pods -l tessera.dev/plan=…` finds a plan's pods, and
 * the ones that map a child back to its Job.
 */
export function childLabels(job: TesseraJob): Record<string, string> {
  const inherited = Object.entries(job.metadata.labels ?? {}).filter(([key]) => key.startsWith('tessera.dev/'));
  return {
    ...Object.fromEntries(inherited),
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

/** requests = limits, so the pod is Guaranteed QoS and a GPU count is exact. Predictors' pods too. */
export function containerResources(run: Pick<EffectiveRun, 'resources'>): k8s.V1ResourceRequirements | undefined {
  const wanted = run.resources ?? {};
  const amounts: Record<string, string> = {};
  if (wanted.cpu !== undefined) amounts.cpu = String(wanted.cpu);
  if (wanted.memory !== undefined) amounts.memory = String(wanted.memory);
  const accelerator = acceleratorDemand(wanted);
  if (accelerator) amounts[accelerator.resource] = String(accelerator.count);
  // Only when asked: nodes that report no ephemeral-storage (kwok's, some virtual kubelets) could
  // never schedule a default request. The work directories are bounded either way (workDirSize).
  if (wanted.disk !== undefined) amounts[ephemeralStorage] = String(wanted.disk);
  return Object.keys(amounts).length ? { requests: { ...amounts }, limits: { ...amounts } } : undefined;
}

/** Where a pod may land: the run's own, the operator's and its accelerator's. Predictors' pods too. */
type Placement = { spec: Pick<TesseraJob['spec'], 'tolerations' | 'nodeSelector'> };

/** The run's tolerations, the operator's, and its accelerator's taints. */
export function tolerations(job: Placement, run: Pick<EffectiveRun, 'resources'>, config: JobRuntimeConfig): k8s.V1Toleration[] | undefined {
  const own = [...((job.spec.tolerations ?? []) as k8s.V1Toleration[]), ...(config.podTolerations ?? [])];
  const accelerator = acceleratorDemand(run.resources);
  if (!accelerator) return own.length ? own : undefined;
  return [...own, ...accelerator.tolerate.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' }))];
}

/** The run's node selector under the operator's, and its accelerator's product label. */
export function nodeSelector(job: Placement, run: Pick<EffectiveRun, 'resources'>, config: JobRuntimeConfig): Record<string, string> | undefined {
  // The operator's labels win: a Job may narrow where it runs, never leave the operator's nodes.
  const selector = { ...job.spec.nodeSelector, ...config.podNodeSelector };
  const product = acceleratorDemand(run.resources)?.product;
  if (product) selector[product.label] = product.value;
  // A GPU product named without a count still picks the node (as it always has).
  else if (run.resources?.gpuProduct && !run.resources.accelerator) selector[gpuProductLabel] = run.resources.gpuProduct;
  return Object.keys(selector).length ? selector : undefined;
}

/**
 * Disruptions (preemption, eviction, node loss) never count against retries; an OOM kill or an exit
 * code the user listed fails the Job at once, since retrying the same input would fail the same way.
 * Behind a queue, 137 is no proof of an OOM kill: Kueue preempts by suspending the batch Job, whose
 * pods are killed (SIGKILL after the grace period: 137, with no condition to tell them apart), and
 * that must not fail the run. There an OOM kill is retried like any failure, and still reported as
 * OOMKilled (by the container's reason) when the retries run out.
 */
function podFailurePolicy(job: TesseraJob): k8s.V1PodFailurePolicy {
  const oom = job.spec.queueName ? [] : [oomExitCode];
  const fatalCodes = [...new Set([...oom, ...(job.spec.failOnExitCodes ?? [])])]
    .filter((code) => code !== 0)
    .sort((a, b) => a - b);
  const rules: k8s.V1PodFailurePolicyRule[] = [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }];
  // Kueue preempts a pod group by deleting its pods, marked with its own condition, not by suspending.
  if (kueueGroupOf(job)) rules.push(kueueStopIgnoredRule);
  if (fatalCodes.length) rules.push({ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: fatalCodes } });
  return { rules };
}

function podAnnotations(job: TesseraJob): Record<string, string> | undefined {
  const entries = Object.entries(job.metadata.annotations ?? {}).filter(([key]) =>
    key.startsWith(simulationAnnotationPrefix),
  );
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** What file sets add to a run's pod: the mover's containers and volumes, or an indexer's token. */
interface PodParts {
  initContainers?: k8s.V1Container[];
  volumes?: k8s.V1Volume[];
  mainMounts?: k8s.V1VolumeMount[];
  mainEnv?: k8s.V1EnvVar[];
  graceSeconds?: number;
}

/** The work directories' size limit: the run's disk, else defaultWorkDirSize. */
export function workDirSize(run: EffectiveRun): string {
  return String(run.resources?.disk ?? defaultWorkDirSize);
}

/** Every emptyDir of the pod limited to `size`: a run that fills it is evicted, not the node's disk. */
function withWorkDirLimit(parts: MoverPodParts, size: string): MoverPodParts {
  const volumes = parts.volumes.map((v) => (v.emptyDir ? { ...v, emptyDir: { ...v.emptyDir, sizeLimit: size } } : v));
  return { ...parts, volumes };
}

function podParts(run: EffectiveRun, config: JobRuntimeConfig): PodParts {
  // Only the index Job its Dataset's status records (resolve.ts) gets the token in its main
  // container, never one that merely carries the labels and owner reference of one.
  if (run.indexes) return indexerParts(config);
  if (!usesFileSets(run)) return {};
  const mover: MoverPodParts = withWorkDirLimit(moverPodParts(run, config), workDirSize(run));
  // The push sidecar uploads after the main container exits, within this grace period.
  return { ...mover, graceSeconds: config.uploadGraceSeconds };
}

function mainContainer(job: TesseraJob, run: EffectiveRun, parts: PodParts): k8s.V1Container {
  const env = [...(job.spec.env ?? []), ...(parts.mainEnv ?? [])];
  const paramsMount = paramsFileParts(job.spec.env)?.mount;
  const mounts = [...(parts.mainMounts ?? []), ...(paramsMount ? [paramsMount] : [])];
  return {
    name: 'main',
    image: run.image,
    command: run.command,
    args: run.args,
    env: env.length ? env : undefined,
    resources: containerResources(run),
    volumeMounts: mounts.length ? mounts : undefined,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

function podSpec(job: TesseraJob, run: EffectiveRun, config: JobRuntimeConfig): k8s.V1PodSpec {
  const parts = podParts(run, config);
  const paramsVolume = paramsFileParts(job.spec.env)?.volume;
  const volumes = [...(parts.volumes ?? []), ...(paramsVolume ? [paramsVolume] : [])];
  return {
    restartPolicy: 'Never',
    initContainers: parts.initContainers,
    containers: [mainContainer(job, run, parts)],
    volumes: volumes.length ? volumes : undefined,
    terminationGracePeriodSeconds: parts.graceSeconds,
    tolerations: tolerations(job, run, config),
    nodeSelector: nodeSelector(job, run, config),
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

/** The pod template's annotations: the simulation hooks, and the run's seal when there are keys. */
function templateAnnotations(job: TesseraJob, name: string, spec: k8s.V1PodSpec, sealKeys: SigningKeys | undefined): Record<string, string> | undefined {
  const annotations = { ...podAnnotations(job), ...paramsFileParts(job.spec.env)?.annotations };
  if (sealKeys?.length) {
    annotations[runSealAnnotation] = sealRun(sealKeys, { namespace: job.metadata.namespace ?? '', jobUid: job.metadata.uid ?? '', batchJob: name }, spec);
  }
  return Object.keys(annotations).length ? annotations : undefined;
}

/**
 * The batch/v1 Job that runs `job`: one pod, requests = limits for cpu, memory and GPUs, retries as
 * backoffLimit, timeout as activeDeadlineSeconds. With a Kueue queue it is created suspended and
 * Kueue admits it (or, in a Kueue pod group, its pods carry the queue and the group and Kueue admits
 * them with the group's); its pod template is written once, at creation, and never re-applied. With
 * `sealKeys` (an operator with an object store) its pods carry the run's seal (run-seal.ts).
 */
export function desiredBatchJob(job: TesseraJob, run: EffectiveRun, config: JobRuntimeConfig, sealKeys?: SigningKeys): k8s.V1Job {
  const ownLabels = childLabels(job);
  const runIndex = job.status?.run ?? 0;
  const queueing = runQueueing(job);
  const name = batchJobName(job.metadata.name, job.metadata.uid ?? '', runIndex);
  const spec = podSpec(job, run, config);
  const annotations = templateAnnotations(job, name, spec, sealKeys);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: job.metadata.namespace,
      labels: { ...ownLabels, ...queueing.jobLabels },
      annotations: { [specHashAnnotation]: runSpecHash(job) },
      ownerReferences: [ownerReference(job)],
    },
    spec: {
      // Attempts of earlier runs (a run retried for a missing result) count against the same budget.
      backoffLimit: Math.max(0, (job.spec.retries ?? 0) - (job.status?.priorAttempts ?? 0)),
      activeDeadlineSeconds: job.spec.timeoutSeconds,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      podReplacementPolicy: 'Failed',
      podFailurePolicy: podFailurePolicy(job),
      suspend: queueing.suspend,
      template: {
        metadata: { labels: { ...ownLabels, ...queueing.podLabels }, annotations: queueing.podAnnotations ? { ...annotations, ...queueing.podAnnotations } : annotations },
        spec,
      },
    },
  };
}
