import { z } from 'zod';
import {
  conditionsSchema,
  digestSchema,
  dnsLabelSchema,
  groupVersion,
  isDistinct,
  nameFitsLabelRule,
  objectMetaSchema,
  timestampSchema,
  type CelRule,
} from './common.ts';

// The Dataset kind: a named, versioned file set, with the namespaces allowed to compute on it.

/** The condition types a Dataset reports. */
export const DatasetConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

/** Why a Dataset is (not) ready. */
export const DatasetReason = {
  Indexing: 'Indexing',
  Importing: 'Importing',
  Indexed: 'Indexed',
  NotFound: 'NotFound',
  InvalidSpec: 'InvalidSpec',
  Unauthorized: 'Unauthorized',
  ImportFailed: 'ImportFailed',
  NoObjectStore: 'NoObjectStore',
} as const;

/** The most namespaces one Dataset may authorize by name. */
export const maxAuthorizedNamespaces = 256;
/** How many past versions a Dataset's status keeps. */
export const maxDatasetHistory = 10;

/** Where a Dataset's files come from. Exactly one of `fileSet`, `prefix` and `url`. */
export const datasetSourceSchema = z
  .object({
    fileSet: z
      .object({ digest: digestSchema })
      .optional()
      .describe('a file set already in the store, e.g. written by `tessera dataset push`'),
    prefix: z
      .object({ bucket: z.string().min(3).max(63).optional(), prefix: z.string().min(1).max(1024) })
      .optional()
      .describe('an object-store prefix to index in place; the default bucket when bucket is unset'),
    url: z
      .string()
      .max(2048)
      .regex(/^(https?|s3):\/\/\S+$/, 'must be an http(s):// or s3:// URL')
      .optional()
      .describe('a URL to import from'),
  })
  .refine((s) => [s.fileSet, s.prefix, s.url].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of fileSet, prefix or url must be set',
  });

/** Who may compute on a Dataset besides its own namespace. */
export const datasetPermissionsSchema = z.object({
  public: z.boolean().describe('every namespace may compute on this Dataset'),
  authorizedNamespaces: z
    .array(dnsLabelSchema)
    .max(maxAuthorizedNamespaces)
    .refine(isDistinct, 'namespaces must be unique')
    .optional()
    .meta({ 'x-kubernetes-list-type': 'set' })
    .describe('namespaces that may compute on this Dataset'),
});

/** What a user declares about a Dataset. */
export const datasetSpecSchema = z.object({
  source: datasetSourceSchema.describe('where the files come from: exactly one of fileSet, prefix or url'),
  testOnly: z.boolean().optional().describe('every sample is a test sample, never trained on'),
  sampleGlobs: z
    .array(z.string().min(1).max(1024))
    .max(64)
    .optional()
    .describe('globs over paths in the file set; each match is a sample'),
  permissions: datasetPermissionsSchema.optional().describe('other namespaces that may compute on this Dataset'),
});

/** The spec of a Dataset. */
export type DatasetSpec = z.infer<typeof datasetSpecSchema>;

/** One version of a Dataset's file set. */
export const datasetVersionSchema = z.object({
  version: z.int().min(1),
  digest: digestSchema,
  files: z.int().min(0),
  bytes: z.int().min(0),
  createdAt: timestampSchema.optional(),
});

/** One version of a Dataset's file set. */
export type DatasetVersion = z.infer<typeof datasetVersionSchema>;

/** What the controller knows of a Dataset's current file set. */
export const datasetStatusSchema = z.object({
  version: z.int().min(1).optional(),
  digest: digestSchema.optional(),
  files: z.int().min(0).optional(),
  bytes: z.int().min(0).optional(),
  history: z.array(datasetVersionSchema).max(maxDatasetHistory).optional().describe('the latest versions, newest first'),
  conditions: conditionsSchema.optional(),
  observedGeneration: z.int().min(0).optional(),
  indexJob: z
    .object({ name: z.string(), uid: z.string() })
    .optional()
    .describe('the index Job the operator created for a prefix source, by uid: only that Job gets a transfer token'),
});

/** The status of a Dataset. */
export type DatasetStatus = z.infer<typeof datasetStatusSchema>;

/** A whole Dataset object as the API server returns it. */
export const datasetSchema = z.object({
  apiVersion: z.literal(groupVersion),
  kind: z.literal('Dataset'),
  metadata: objectMetaSchema,
  spec: datasetSpecSchema,
  status: datasetStatusSchema.optional(),
});

/** A Dataset (`datasets.tessera.dev`). */
export type Dataset = z.infer<typeof datasetSchema>;

/** What the API server checks of a Dataset beyond types and bounds; each mirrors a zod refinement. */
export const datasetCelRules: readonly CelRule[] = [
  nameFitsLabelRule,
  {
    path: 'spec.source',
    rule: '[has(self.fileSet), has(self.prefix), has(self.url)].filter(x, x).size() == 1',
    message: 'exactly one of spec.source.fileSet, spec.source.prefix or spec.source.url must be set',
  },
];
