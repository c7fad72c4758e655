import { z } from 'zod';
import {
  conditionsSchema,
  digestSchema,
  dnsLabelSchema,
  dnsSubdomainSchema,
  envSchema,
  ioNameSchema,
  groupVersion,
  isDistinct,
  labelValueSchema,
  nameFitsLabelRule,
  nodeSelectorCelRules,
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
  InputNotFound: 'InputNotFound',
  Unauthorized: 'Unauthorized',
  CodeNotApproved: 'CodeNotApproved',
  InvalidSpec: 'InvalidSpec',
  ImmutableAfterStart: 'ImmutableAfterStart',
  NameTaken: 'NameTaken',
  ResultMissing: 'ResultMissing',
  Downloading: 'Downloading',
  Uploading: 'Uploading',
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
/** The most inputs or outputs one Job may have. */
export const maxJobIO = 32;
/** The output that holds the container's log, so it outlives the pod. */
export const logsOutputName = 'logs';

/** A Dataset to read: its latest Ready version, or a pinned one. */
export const datasetInputSchema = z.object({
  name: dnsSubdomainSchema,
  namespace: dnsLabelSchema.optional().describe("the Dataset's namespace; the Job's when unset (another one must authorize the Job's)"),
  version: z.int().min(1).optional().describe('a version from the Dataset\'s history; the current one when unset'),
});

/** One input of a Job: a Dataset, a pinned file set, or another Job's output. Exactly one source. */
export const jobInputSchema = z
  .object({
    name: ioNameSchema.describe('the directory it appears under: /tessera/inputs/<name>'),
    dataset: datasetInputSchema.optional(),
    fileSet: z.object({ digest: digestSchema }).optional().describe('a file set by its digest'),
    jobOutput: z
      .object({ job: dnsSubdomainSchema, output: ioNameSchema })
      .optional()
      .describe('a named output of another Job in this namespace, once it has succeeded'),
  })
  .refine((i) => [i.dataset, i.fileSet, i.jobOutput].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of dataset, fileSet or jobOutput must be set',
  });

/** One input of a Job. */
export type JobInput = z.infer<typeof jobInputSchema>;

/** One output directory of a Job: /tessera/outputs/<name>, pushed as a file set when the run succeeds. */
export const jobOutputSchema = z.object({ name: ioNameSchema });

const ioListMeta = { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] } as const;

/** What a user asks to run. Exactly one of `image` and `algoRef`. */
export const tesseraJobSpecSchema = z
  .object({
    algoRef: objectRefSchema.optional().describe('the Algo to run; exclusive with image'),
    image: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^\S+$/, 'must be an image reference, without spaces')
      .optional().describe('a container image to run; exclusive with algoRef'),
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
    code: z
      .object({ digest: digestSchema })
      .optional()
      .describe("a file set mounted read-only at /tessera/code; the Algo's code when unset"),
    inputs: z
      .array(jobInputSchema)
      .max(maxJobIO)
      .refine((inputs) => isDistinct(inputs.map((i) => i.name)), 'input names must be unique')
      .optional()
      .meta(ioListMeta)
      .describe('file sets pulled into /tessera/inputs/<name> before the container starts'),
    outputs: z
      .array(jobOutputSchema)
      .max(maxJobIO)
      .refine((outputs) => isDistinct(outputs.map((o) => o.name)), 'output names must be unique')
      .refine((outputs) => outputs.every((o) => o.name !== logsOutputName), `the output name "logs" is reserved for the container's log`)
      .optional()
      .meta(ioListMeta)
      .describe("directories under /tessera/outputs pushed as file sets when the run succeeds; the Algo's outputs when unset"),
  })
  .refine((spec) => (spec.image === undefined) !== (spec.algoRef === undefined), {
    message: 'exactly one of image or algoRef must be set',
  });

/** The spec of a Tessera Job. */
export type TesseraJobSpec = z.infer<typeof tesseraJobSpecSchema>;

/** An input as the controller resolved it: the exact file set the run reads. */
export const resolvedInputSchema = z.object({
  name: ioNameSchema,
  digest: digestSchema,
  /** Where it came from, for people: `dataset team-b/cifar v3`, `job prep/model`. */
  source: z.string().max(512).optional(),
  /** The Dataset version, when the input is a Dataset. */
  version: z.int().min(1).optional(),
});

/** A resolved input. */
export type ResolvedInput = z.infer<typeof resolvedInputSchema>;

/** An output file set a run committed. */
export const committedOutputSchema = z.object({
  name: ioNameSchema,
  digest: digestSchema,
  files: z.int().min(0),
  bytes: z.int().min(0),
});

/** An output a run committed. */
export type CommittedOutput = z.infer<typeof committedOutputSchema>;

/** The most metrics one Job reports. */
export const maxMetrics = 64;

/** Numbers a run wrote to metrics.json in an output, by name. */
export const metricsSchema = z
  .record(z.string().min(1).max(128).regex(/^[A-Za-z_][A-Za-z0-9_.:/-]*$/, 'must be a metric name'), z.number())
  .refine((m) => Object.keys(m).length <= maxMetrics, `at most ${maxMetrics} metrics`);

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
  run: z.int().min(0).optional().describe('which batch Job runs the Job: 0, then 1, … when a run is retried after losing its result'),
  priorAttempts: z.int().min(0).optional().describe('attempts made by earlier runs'),
  inputs: z.array(resolvedInputSchema).max(maxJobIO).optional().describe('the file sets the run reads, resolved'),
  code: z.object({ digest: digestSchema, source: z.string().max(512).optional() }).optional().describe('the code file set, resolved'),
  outputs: z.array(committedOutputSchema).max(maxJobIO + 1).optional().describe('the file sets the run wrote'),
  metrics: metricsSchema.optional().describe('numbers from metrics.json in the outputs'),
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
  ...nodeSelectorCelRules('spec.nodeSelector'),
  {
    path: 'spec.inputs[]',
    rule: '[has(self.dataset), has(self.fileSet), has(self.jobOutput)].filter(x, x).size() == 1',
    message: 'exactly one of dataset, fileSet or jobOutput must be set',
  },
  {
    path: 'spec.outputs[]',
    rule: `self.name != '${logsOutputName}'`,
    message: `the output name "logs" is reserved for the container's log`,
    fieldPath: '.name',
  },
];
