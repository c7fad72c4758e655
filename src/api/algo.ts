import { z } from 'zod';
import {
  conditionsSchema,
  digestSchema,
  groupVersion,
  ioNameSchema,
  isDistinct,
  nameFitsLabelRule,
  objectMetaSchema,
  resourcesSchema,
  type CelRule,
} from './common.ts';

// The Algo kind: code to run, what it consumes and what it produces. Jobs and ComputePlan tasks
// name an Algo; the Algo's resources are their defaults.

/** What an Algo does in a plan, after Substra's algo categories. */
export const AlgoCategory = {
  Train: 'train',
  Aggregate: 'aggregate',
  Composite: 'composite',
  Predict: 'predict',
  Metric: 'metric',
} as const;

/** What flows through an Algo input or output. */
export const AlgoIOKind = {
  Dataset: 'dataset',
  Model: 'model',
  Performance: 'performance',
  Files: 'files',
} as const;

/** The condition types an Algo reports. */
export const AlgoConditionType = {
  Ready: 'Ready',
  Stalled: 'Stalled',
  Reconciling: 'Reconciling',
} as const;

/** The most inputs or outputs one Algo may declare. */
export const maxAlgoIO = 32;

/** One declared input or output of an Algo. */
export const algoIOSchema = z.object({
  name: ioNameSchema,
  kind: z.enum(AlgoIOKind).optional(),
  optional: z.boolean().optional().describe('the Algo runs without it'),
});

/** One declared input or output of an Algo. */
export type AlgoIO = z.infer<typeof algoIOSchema>;

const algoIOListSchema = z
  .array(algoIOSchema)
  .max(maxAlgoIO)
  .refine((ios) => isDistinct(ios.map((io) => io.name)), 'names must be unique')
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });

/** What a user declares about an Algo. */
export const algoSpecSchema = z.object({
  image: z.string().min(1).max(1024).describe('the container image that runs the code'),
  command: z.array(z.string()).optional().describe("the container's entrypoint"),
  args: z.array(z.string()).optional().describe("the entrypoint's arguments"),
  code: z
    .object({ digest: digestSchema })
    .optional()
    .describe('a file set mounted read-only as the code, when it is not baked into the image'),
  category: z.enum(AlgoCategory).describe('what the Algo does in a plan'),
  inputs: algoIOListSchema.optional().describe('the inputs a task must (or may) bind'),
  outputs: algoIOListSchema.optional().describe('the outputs the Algo writes'),
  resources: resourcesSchema.optional().describe('default CPU, memory and GPUs of runs of this Algo'),
});

/** The spec of an Algo. */
export type AlgoSpec = z.infer<typeof algoSpecSchema>;

/** What the controller observed of an Algo. */
export const algoStatusSchema = z.object({
  runDigest: digestSchema
    .optional()
    .describe("what a Dataset's owner approves (spec.permissions.approvedCode): the digest of image, command, args and code"),
  conditions: conditionsSchema.optional(),
  observedGeneration: z.int().min(0).optional(),
});

/** The status of an Algo. */
export type AlgoStatus = z.infer<typeof algoStatusSchema>;

/** A whole Algo object as the API server returns it. */
export const algoSchema = z.object({
  apiVersion: z.literal(groupVersion),
  kind: z.literal('Algo'),
  metadata: objectMetaSchema,
  spec: algoSpecSchema,
  status: algoStatusSchema.optional(),
});

/** An Algo (`algos.tessera.dev`). */
export type Algo = z.infer<typeof algoSchema>;

/** What the API server checks of an Algo beyond types and bounds. */
export const algoCelRules: readonly CelRule[] = [nameFitsLabelRule];
