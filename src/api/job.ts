import { z } from 'zod';
import {
  conditionsSchema,
  dnsSubdomainSchema,
  envSchema,
  groupVersion,
  isDistinct,
  labelValueSchema,
  nameFitsLabelRule,
  nodeSelectorSchema,
  objectMetaSchema,
  objectRefSchema,
  pascalCasePattern,
  resourcesSchema,
  timestampSchema,
  tolerationCelRules,
  tolerationSchema,
  maxTolerations,
  type CelRule,
} from './common.ts';

// The Job kind: one run of an Algo (or an inline image) with resources, retries and a deadline.
// Named TesseraJob in code so it never shares a bare name with batch/v1 Job.

/** Where a Tessera Job is in its run. Derived for people and printer columns, never a lock. */
export const JobPhase = {
  Pending: 'Pending',
  Queued: 'Queued',
  Downloading: 'Downloading',
  Running: 'Running',
  Uploading: 'Uploading',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Canceled: 'Canceled',
} as const;

/** Why a Tessera Job is in its phase: the `reason` of its status and conditions (PascalCase). */
export const JobReason = {
  Pending: 'Pending',
  Queued: 'Queued',
  Running: 'Running',
  Retrying: 'Retrying',
  Completed: 'Completed',
  Canceling: 'Canceling',
  Canceled: 'Canceled',
  Unschedulable: 'Unschedulable',
  OOMKilled: 'OOMKilled',
  DeadlineExceeded: 'DeadlineExceeded',
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  ImagePullBackOff: 'ImagePullBackOff',
  ContainerCrashed: 'ContainerCrashed',
  Preempted: 'Preempted',
  InputNotReady: 'InputNotReady',
  Unauthorized: 'Unauthorized',
  InvalidSpec: 'InvalidSpec',
  ImmutableAfterStart: 'ImmutableAfterStart',
} as const;

/** The condition types a Tessera Job reports. */
export const JobConditionType = {
  Ready: 'Ready',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  SpecApplied: 'SpecApplied',
} as const;

/** The most retries a Job may ask for. */
export const maxJobRetries = 20;

/** What a user asks to run. Exactly one of `image` and `algoRef`. */
export const tesseraJobSpecSchema = z
  .object({
    algoRef: objectRefSchema.optional().describe('the Algo to run; exclusive with image'),
    image: z.string().min(1).max(1024).optional().describe('a container image to run; exclusive with algoRef'),
    command: z.array(z.string()).optional().describe("the container's entrypoint"),
    args: z.array(z.string()).optional().describe("the entrypoint's arguments"),
    env: envSchema.optional().describe("the container's environment variables"),
    resources: resourcesSchema.optional().describe('CPU, memory and GPUs; requests equal limits'),
    retries: z.int().min(0).max(maxJobRetries).optional().meta({ default: 0 }).describe('how many times a failed run is retried'),
    timeoutSeconds: z.int().min(1).optional().describe('the run fails with DeadlineExceeded after this long, retries included'),
    queueName: labelValueSchema.optional().describe('the Kueue LocalQueue that admits the run'),
    priorityClassName: dnsSubdomainSchema.optional().describe("the run's PriorityClass"),
    nodeSelector: nodeSelectorSchema.optional().describe('node labels the run must land on'),
    tolerations: z.array(tolerationSchema).max(maxTolerations).optional().describe('taints the run tolerates'),
    serviceAccountName: dnsSubdomainSchema.optional().describe('the ServiceAccount the run uses; none is mounted when unset'),
    failOnExitCodes: z
      .array(z.int().min(1).max(255))
      .max(255)
      .refine(isDistinct, 'exit codes must be unique')
      .optional()
      .meta({ 'x-kubernetes-list-type': 'set' })
      .describe('exit codes that fail the Job at once, without a retry'),
    cancel: z.boolean().optional().describe('stop the run and mark the Job Canceled; cannot be undone'),
  })
  .refine((spec) => (spec.image === undefined) !== (spec.algoRef === undefined), {
    message: 'exactly one of image or algoRef must be set',
  });

/** The spec of a Tessera Job. */
export type TesseraJobSpec = z.infer<typeof tesseraJobSpecSchema>;

/** What the controller observed of a Tessera Job's run. */
export const tesseraJobStatusSchema = z.object({
  phase: z.enum(JobPhase),
  reason: z.string().max(1024).regex(pascalCasePattern, 'must be PascalCase, e.g. OOMKilled').optional(),
  message: z.string().max(32768).optional(),
  conditions: conditionsSchema.optional(),
  observedGeneration: z.int().min(0).optional(),
  attempts: z.int().min(0).optional(),
  startTime: timestampSchema.optional(),
  completionTime: timestampSchema.optional(),
  podName: z.string().optional(),
  nodeName: z.string().optional(),
  exitCode: z.int().optional(),
  batchJobName: z.string().optional(),
});

/** The status of a Tessera Job. */
export type TesseraJobStatus = z.infer<typeof tesseraJobStatusSchema>;

/** A whole Tessera Job object as the API server returns it. */
export const tesseraJobSchema = z.object({
  apiVersion: z.literal(groupVersion),
  kind: z.literal('Job'),
  metadata: objectMetaSchema,
  spec: tesseraJobSpecSchema,
  status: tesseraJobStatusSchema.optional(),
});

/** A Tessera Job (`jobs.tessera.dev`), never to be confused with a batch/v1 Job. */
export type TesseraJob = z.infer<typeof tesseraJobSchema>;

/**
 * What the API server checks of a Job beyond types and bounds. Each rule on one version of the object
 * mirrors a zod refinement above; transition rules (oldSelf) have no zod twin.
 */
export const tesseraJobCelRules: readonly CelRule[] = [
  nameFitsLabelRule,
  {
    path: 'spec',
    rule: 'has(self.image) != has(self.algoRef)',
    message: 'exactly one of spec.image or spec.algoRef must be set',
  },
  {
    // Transition rule (oldSelf): only checked on update, so a new Job may start canceled.
    path: 'spec',
    rule: '!has(oldSelf.cancel) || !oldSelf.cancel || (has(self.cancel) && self.cancel)',
    message: 'spec.cancel cannot be undone: create a new Job to run again',
    fieldPath: '.cancel',
  },
  ...tolerationCelRules('spec.tolerations'),
];
