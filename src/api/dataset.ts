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

// The Dataset kind: a named, versioned file set, with the namespaces allowed to compute on it or
// read it, and the code allowed to touch it.

/** The condition types a Dataset reports. */
export const DatasetConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  /** False while a namespace the permissions name was deleted and created again since it was authorized. */
  AuthorizationsCurrent: 'AuthorizationsCurrent',
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
  /** Its file set has a path that could escape the target or that collides when case is folded. */
  UnsafeFileSet: 'UnsafeFileSet',
  /** Its file set's manifest is not a valid manifest. */
  CorruptFileSet: 'CorruptFileSet',
  /** Every namespace the permissions name is the one that was authorized (or does not exist yet). */
  AuthorizationsCurrent: 'AuthorizationsCurrent',
  /** A namespace the permissions name was deleted and created again: the new one is not authorized. */
  NamespaceRecreated: 'NamespaceRecreated',
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

/** The most code approvals one Dataset may hold. */
export const maxApprovedCode = 256;

/**
 * An approval of code: the run digest of an Algo (`sha256:…`, shown in its status.runDigest), or an
 * image pinned by digest (`registry/name@sha256:…`).
 */
export const approvedCodePattern = /^(sha256:[a-f0-9]{64}|[^\s@]+@sha256:[a-f0-9]{64})$/;

const namespaceListSchema = z
  .array(dnsLabelSchema)
  .max(maxAuthorizedNamespaces)
  .refine(isDistinct, 'namespaces must be unique')
  .meta({ 'x-kubernetes-list-type': 'set' });

/** Who may pull a Dataset's raw bytes into pods of their own namespace. */
export const datasetReadPermissionsSchema = z.object({
  public: z.boolean().optional().describe('every namespace may read the raw bytes'),
  authorizedNamespaces: namespaceListSchema.optional().describe('namespaces that may read the raw bytes into their own pods'),
});

/**
 * Who may use a Dataset besides its own namespace, at two levels. `public` and
 * `authorizedNamespaces` grant compute: runs on the data in the Dataset's namespace on behalf of
 * those namespaces, which receive only the outputs. `read` grants the raw bytes (and compute).
 * `approvedCode`, when set, limits every run on the data on behalf of another namespace to that code.
 */
export const datasetPermissionsSchema = z.object({
  public: z.boolean().optional().describe('every namespace may compute on this Dataset (in its namespace; outputs only leave)'),
  authorizedNamespaces: namespaceListSchema.optional().describe('namespaces that may compute on this Dataset (in its namespace; outputs only leave)'),
  read: datasetReadPermissionsSchema.optional().describe('namespaces that may pull the raw bytes into their own pods'),
  approvedCode: z
    .array(z.string().max(1024).regex(approvedCodePattern, 'must be a run digest (sha256:<64 hex>) or an image by digest (name@sha256:<64 hex>)'))
    .max(maxApprovedCode)
    .refine(isDistinct, 'approvals must be unique')
    .optional()
    .meta({ 'x-kubernetes-list-type': 'set' })
    .describe("the only code other namespaces may run on this Dataset: Algo run digests (an Algo's status.runDigest) or images by digest; unset: any code"),
});

/** A Dataset's permissions. */
export type DatasetPermissions = z.infer<typeof datasetPermissionsSchema>;

/** What a user declares about a Dataset. */
export const datasetSpecSchema = z.object({
  source: datasetSourceSchema.describe('where the files come from: exactly one of fileSet, prefix or url'),
  testOnly: z.boolean().optional().describe('every sample is a test sample, never trained on'),
  sampleGlobs: z
    .array(z.string().min(1).max(1024))
    .max(64)
    .optional()
    .describe('globs over paths in the file set; each match is a sample'),
  permissions: datasetPermissionsSchema.optional().describe('other namespaces that may compute on (or read) this Dataset, and the code they may run'),
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

/** A namespace the permissions name, and the uid it had when the operator first saw it named. */
export const datasetAuthorizationSchema = z.object({
  namespace: dnsLabelSchema,
  uid: z.string().min(1).max(128),
});

/** One authorization as recorded. */
export type DatasetAuthorization = z.infer<typeof datasetAuthorizationSchema>;

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
  authorizations: z
    .array(datasetAuthorizationSchema)
    .max(2 * maxAuthorizedNamespaces)
    .optional()
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['namespace'] })
    .describe(
      'each namespace spec.permissions names, with the uid it had when the operator first saw it named: only that namespace is authorized, not one created again under its name. An entry goes when its name leaves spec.permissions',
    ),
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
