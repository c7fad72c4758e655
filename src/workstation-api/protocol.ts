// The workstation API: `files.tessera.dev/v1alpha1`, an aggregated API the operator serves behind the
// cluster's API server (an APIService, as metrics-server does). Users reach it with whatever kubectl
// uses — client certificates, tokens, OIDC, exec plugins — the API server authenticates them and
// forwards who they are; the operator authorizes each request with a SubjectAccessReview, and the
// bytes go straight between the workstation and the object store on presigned URLs. No workstation
// holds the store's keys. Both sides parse every message with these schemas.
import { z } from 'zod';
import { downloadResponseSchema, presignedPutSchema } from '../transfer/protocol.ts';

/** The aggregated API's group and version. */
export const filesGroup = 'files.tessera.dev';
export const filesVersion = 'v1alpha1';
export const filesGroupVersion = `${filesGroup}/${filesVersion}`;

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>');
const objectName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$/, 'expected a Kubernetes object name');

/** The Tessera kinds a workstation pushes file sets for, and the resource RBAC knows them by. */
export const pushTargets = { Dataset: 'datasets', Algo: 'algos' } as const;

/** `POST namespaces/{ns}/uploads`: the file set a user is about to push, and for which object. */
export const uploadRequestSchema = z.object({
  for: z.object({ kind: z.enum(['Dataset', 'Algo']), name: objectName }),
  manifestDigest: digest,
  blobs: z.array(z.object({ digest, size: z.int().min(0) })).max(1_000_000),
  /**
   * File sets the namespace already holds (e.g. the Dataset's current version): their blobs need not
   * be sent again. Any the namespace was not granted are ignored, so naming one proves nothing.
   */
  base: z.array(digest).max(16).optional(),
});

/** What a workstation asks to push. */
export type UploadRequest = z.infer<typeof uploadRequestSchema>;

/**
 * `POST namespaces/{ns}/uploads` with only a session: the push is still sending. Every upload session
 * holds a lease that keeps its blobs from garbage collection (however long past the grace period
 * the push takes); a push renews it at least every minute, and it lapses five minutes after the
 * last renewal. Answered like an upload, with no new PUTs.
 */
export const renewUploadSchema = z.object({ session: z.string().min(1) }).strict();

/** A push saying it is still sending. */
export type RenewUpload = z.infer<typeof renewUploadSchema>;

/** The answer: a session to commit with, and a PUT for every blob the namespace cannot prove it holds. */
export const uploadResponseSchema = z.object({
  session: z.string().min(1),
  /** The namespace already holds this exact file set: nothing to upload, commit at once. */
  alreadyGranted: z.boolean(),
  uploads: z.array(presignedPutSchema),
});

/** The answer to an upload request. */
export type UploadResponse = z.infer<typeof uploadResponseSchema>;

/** `POST namespaces/{ns}/commits`: the manifest of the session's file set, once its blobs are sent. */
export const commitRequestSchema = z.object({ session: z.string().min(1), manifest: z.unknown() });

/** A committed file set, granted to the namespace. */
export const commitResponseSchema = z.object({ digest, files: z.int().min(0), bytes: z.int().min(0) });

/** What a commit recorded. */
export type CommitResponse = z.infer<typeof commitResponseSchema>;

/** `GET namespaces/{ns}/filesets/{digest}`: presigned GETs for a file set the namespace holds. */
export const fileSetResponseSchema = downloadResponseSchema;

/** `POST garbagecollections`: one collection now. */
export const collectRequestSchema = z.object({
  graceSeconds: z.int().min(0).max(30 * 86_400).optional(),
  dryRun: z.boolean().optional(),
});

/** What a collection did (or would do, on a dry run). */
export const collectResponseSchema = z.object({
  liveManifests: z.int(),
  deletedBlobs: z.int(),
  freedBytes: z.number(),
  keptBlobs: z.int(),
  deletedManifests: z.int(),
  deletedGrants: z.int(),
  deletedStaging: z.int(),
  deletedLeases: z.int(),
  /** Digests in use with no manifest (their owners say NotFound): skipped, not a reason to stop. */
  missingLiveManifests: z.int(),
  missingLiveSample: z.array(z.string()),
  dryRun: z.boolean(),
});

/** What a collection did. */
export type CollectResponse = z.infer<typeof collectResponseSchema>;
