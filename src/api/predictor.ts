import { z } from 'zod';
import {
  conditionsSchema,
  digestSchema,
  dnsLabelSchema,
  dnsSubdomainSchema,
  groupVersion,
  ioNameSchema,
  objectMetaSchema,
  objectRefSchema,
  resourcesSchema,
  type CelRule,
} from './common.ts';

// The Predictor kind: a trained model served over HTTP. Its model is a Tessera Job's output, a
// ComputePlan task's output or a file set by digest, resolved and authorized as a Job's inputs are;
// the controller keeps a Deployment (pulling the model into /tessera/inputs/model) and a Service.

/** Where a Predictor is. Derived for people and printer columns, never a lock. */
export const PredictorPhase = {
  Pending: 'Pending',
  Rolling: 'Rolling',
  Ready: 'Ready',
  Failed: 'Failed',
} as const;

/** The condition types a Predictor reports. */
export const PredictorConditionType = {
  Ready: 'Ready',
  /** kstatus: in progress (rolling out, or waiting for a model that may still come). */
  Reconciling: 'Reconciling',
  /** kstatus: cannot go on until someone acts (a refused model, a rollout past its deadline). */
  Stalled: 'Stalled',
  ModelResolved: 'ModelResolved',
} as const;

/** Why a Predictor is in its phase (PascalCase, the reasons of its conditions). */
export const PredictorReason = {
  Resolved: 'Resolved',
  ModelNotReady: 'ModelNotReady',
  ModelNotFound: 'ModelNotFound',
  NotAuthorized: 'NotAuthorized',
  AlgoNotFound: 'AlgoNotFound',
  AlgoNotReady: 'AlgoNotReady',
  InvalidSpec: 'InvalidSpec',
  NameTaken: 'NameTaken',
  Refused: 'Refused',
  Waiting: 'Waiting',
  Rolling: 'Rolling',
  RolloutStalled: 'RolloutStalled',
  Serving: 'Serving',
} as const;

/** The port a Predictor's server listens on when the spec names none. */
export const defaultPredictorPort = 8080;
/** The output of a Tessera Job a Predictor serves when the spec names none. */
export const defaultModelOutput = 'model';
/** The most replicas a Predictor may ask for. */
export const maxPredictorReplicas = 100;

/** Where the model comes from: exactly one source. */
export const modelSourceSchema = z
  .object({
    job: z
      .object({
        name: dnsSubdomainSchema,
        namespace: dnsLabelSchema.optional().describe("the Job's namespace; must be the Predictor's (another namespace's Job output is NotAuthorized)"),
        output: ioNameSchema.optional().meta({ default: defaultModelOutput }).describe('the output to serve'),
      })
      .optional()
      .describe("a succeeded Tessera Job's output"),
    plan: z
      .object({
        name: dnsSubdomainSchema,
        task: ioNameSchema.optional().describe('the task whose output to serve; exclusive with best'),
        best: z.boolean().optional().describe("serve the model of the plan's best leaderboard row (a search's best trial) once the plan has finished; exclusive with task"),
        follow: z.boolean().optional().describe('with best: roll out a better best row whenever the plan finishes again (tasks appended); without, keep serving the first one'),
        output: ioNameSchema,
      })
      .refine((p) => (p.task === undefined) !== (p.best !== true), { message: 'set exactly one of task or best: true' })
      .refine((p) => p.follow !== true || p.best === true, { message: 'follow needs best: true' })
      .optional()
      .describe("a ComputePlan's (in this namespace) task output, once the task succeeded, or the model of its best row"),
    digest: digestSchema.optional().describe('a file set the namespace holds, by digest'),
  })
  .refine((m) => [m.job, m.plan, m.digest].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of job, plan or digest must be set',
  });

/** Where a Predictor's model comes from. */
export type ModelSource = z.infer<typeof modelSourceSchema>;

/** What a user asks to serve. Exactly one of `algo` and `image`. */
export const predictorSpecSchema = z
  .object({
    model: modelSourceSchema,
    algo: objectRefSchema.optional().describe('an Algo of category predict that serves the model; exclusive with image'),
    image: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^\S+$/, 'must be an image reference, without spaces')
      .optional()
      .describe('a container image that serves the model; exclusive with algo'),
    command: z.array(z.string()).optional().describe("the container's entrypoint"),
    args: z.array(z.string()).optional().describe("the entrypoint's arguments"),
    port: z.int().min(1).max(65535).optional().meta({ default: defaultPredictorPort }).describe('the TCP port the server listens on'),
    replicas: z.int().min(0).max(maxPredictorReplicas).optional().meta({ default: 1 }).describe('how many pods serve'),
    resources: resourcesSchema.optional().describe("CPU, memory and GPUs of each pod; requests equal limits; the Algo's when unset"),
    progressDeadlineSeconds: z
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .describe("how long a rollout may go without progress (new pods ready) before the Predictor is Stalled with RolloutStalled; the Deployment's default (600) when unset"),
  })
  .refine((spec) => (spec.image === undefined) !== (spec.algo === undefined), { message: 'exactly one of image or algo must be set' });

/** The spec of a Predictor. */
export type PredictorSpec = z.infer<typeof predictorSpecSchema>;

/** What the controller observed of a Predictor. */
export const predictorStatusSchema = z.object({
  phase: z.enum(PredictorPhase),
  message: z.string().max(4096).optional(),
  replicas: z.int().min(0).optional().describe('pods wanted'),
  readyReplicas: z.int().min(0).optional().describe('pods of the current model and spec that are ready'),
  replicasReady: z.string().max(32).optional().describe('readyReplicas/replicas, for kubectl get'),
  modelDigest: digestSchema.optional().describe('the file set served, resolved'),
  modelDigestShort: z.string().max(19).optional().describe('the first 12 hex digits of modelDigest, for kubectl get'),
  modelSource: z.string().max(512).optional().describe('where the model came from, for people'),
  codeDigest: digestSchema.optional().describe("the Algo's code file set, resolved, when it has one"),
  endpoint: z.string().max(512).optional().describe("the Service's in-cluster URL"),
  observedGeneration: z.int().min(0).optional(),
  conditions: conditionsSchema.optional(),
});

/** The status of a Predictor. */
export type PredictorStatus = z.infer<typeof predictorStatusSchema>;

/** A whole Predictor object as the API server returns it. */
export const predictorSchema = z.object({
  apiVersion: z.literal(groupVersion),
  kind: z.literal('Predictor'),
  metadata: objectMetaSchema,
  spec: predictorSpecSchema,
  status: predictorStatusSchema.optional(),
});

/** A Predictor (`predictors.tessera.dev`). */
export type Predictor = z.infer<typeof predictorSchema>;

/** What the API server checks of a Predictor beyond types and bounds; each mirrors a refinement above. */
export const predictorCelRules: readonly CelRule[] = [
  {
    // Its children are NAME-predictor, and a Service's name is a DNS label of at most 63 characters.
    path: '',
    rule: 'self.metadata.name.size() <= 53',
    message: 'metadata.name must be at most 53 characters: its Service is named <name>-predictor',
  },
  {
    path: 'spec',
    rule: 'has(self.image) != has(self.algo)',
    message: 'exactly one of spec.image or spec.algo must be set',
  },
  {
    path: 'spec.model',
    rule: '[has(self.job), has(self.plan), has(self.digest)].filter(x, x).size() == 1',
    message: 'exactly one of job, plan or digest must be set',
  },
  {
    path: 'spec.model.plan',
    rule: 'has(self.task) != (has(self.best) && self.best)',
    message: 'set exactly one of task or best: true',
  },
  {
    path: 'spec.model.plan',
    rule: '!(has(self.follow) && self.follow) || (has(self.best) && self.best)',
    message: 'follow needs best: true',
  },
];
