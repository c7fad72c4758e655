// The transfer API between a job's pod (the mover) and the operator, in the spirit of Git LFS's batch
// API: the pod says who it is (a projected service-account token), the operator says what it may read
// and write and hands out presigned URLs; bytes flow pod ↔ object store directly. Both sides parse
// every message with these schemas, so a malformed one fails with a readable error at the edge.
import { z } from 'zod';

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/);
const ioName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/);

/** The audience a pod's projected token must carry for the transfer API. */
export const transferAudience = 'tessera.dev/transfer';

/** Where the mover finds things inside a pod. */
/** The environment variable that carries the object store's CA bundle (PEM) to a mover. */
export const storeCaBundleEnv = 'TESSERA_S3_CA_BUNDLE';

export const podPaths = {
  root: '/tessera',
  token: '/var/run/secrets/tessera.dev/transfer/token',
} as const;

/**
 * The file (under the root) the push sidecar creates once it can take the kubelet's SIGTERM; its
 * startup probe waits for it, so the main container never starts (and ends) before that.
 */
export const pushReadyMarker = '.push-ready';

/** One file set the pod must pull, and the directory (relative to /tessera) it goes to. */
export const plannedInputSchema = z.object({
  name: ioName,
  digest,
  /** `inputs/<name>` for inputs, `code` for the algo's code. */
  target: z.string().regex(/^(inputs\/[a-z][a-z0-9_-]{0,62}|code)$/),
});

/** `GET /v1/run`: what this pod's run reads and writes, and how its main container ended (if it has). */
export const runPlanSchema = z.object({
  namespace: z.string(),
  job: z.string(),
  inputs: z.array(plannedInputSchema),
  outputs: z.array(ioName),
  /** The main container's exit code once it has terminated; absent while it runs. */
  mainExitCode: z.int().optional(),
  /** The Dataset this run indexes in place, for a Dataset's index Job. */
  indexes: z.string().optional(),
});

/** What a pod's run reads and writes. */
export type RunPlan = z.infer<typeof runPlanSchema>;

/** `POST /v1/index/list` response: the objects of the Dataset's landing zone, each with a presigned GET. */
export const indexListSchema = z.object({
  objects: z.array(z.object({ path: z.string(), size: z.int().min(0), url: z.string().url() })),
});

/** The objects an index run hashes. */
export type IndexList = z.infer<typeof indexListSchema>;

/** `POST /v1/index/commit` request: what each object hashed to. */
export const indexCommitSchema = z.object({
  entries: z.array(z.object({ path: z.string(), digest, size: z.int().min(0) })).max(1_000_000),
});

/** `POST /v1/download` request: presigned GETs for one input's manifest and blobs. */
export const downloadRequestSchema = z.object({ digest });

/** A presigned GET for each blob digest of the manifest, and one for the manifest itself. */
export const downloadResponseSchema = z.object({
  manifestUrl: z.string().url(),
  blobUrls: z.record(z.string(), z.string().url()),
});

/** Presigned download URLs for one file set. */
export type DownloadResponse = z.infer<typeof downloadResponseSchema>;

/** `POST /v1/upload` request: the blobs of one output, by digest and size. */
export const uploadRequestSchema = z.object({
  output: ioName,
  manifestDigest: digest,
  blobs: z.array(z.object({ digest, size: z.int().min(0) })).max(1_000_000),
});

/** A presigned PUT: valid only with exactly these headers, which bind the body's SHA-256 and size. */
export const presignedPutSchema = z.object({
  digest,
  url: z.string().url(),
  headers: z.record(z.string(), z.string()),
});

/**
 * `POST /v1/upload` response. `manifestExists` is true only for a manifest already granted to the
 * run's namespace (then nothing is uploaded); otherwise every blob the run cannot prove it already
 * holds gets a PUT, whether or not the store has it, so the answer never says what the store holds.
 * `session` is the operator's signed record of this offer: the commit of the output carries it back.
 */
export const uploadResponseSchema = z.object({
  manifestExists: z.boolean(),
  uploads: z.array(presignedPutSchema),
  session: z.string().max(4096).optional(),
});

/** What to upload for one output. */
export type UploadResponse = z.infer<typeof uploadResponseSchema>;

/**
 * `POST /v1/upload/renew`: the push of an upload session is still sending. Each session holds a lease
 * that keeps its blobs from garbage collection however long past the grace period the upload
 * takes; the push renews it every minute, the commit releases it, and it lapses five minutes after
 * the last renewal of a push that never commits.
 */
export const renewRequestSchema = z.object({ session: z.string().min(1).max(4096) });

/** `POST /v1/upload/renew` response. */
export const renewResponseSchema = z.object({ renewed: z.literal(true) });

/** `POST /v1/commit` request: every output's manifest (canonical JSON), committed together. */
export const commitRequestSchema = z.object({
  outputs: z.array(z.object({ name: ioName, manifest: z.unknown(), session: z.string().max(4096).optional() })).max(64),
});

/** One committed output, as the operator recorded it. */
export const committedSchema = z.object({ name: ioName, digest, files: z.int().min(0), bytes: z.int().min(0) });

/** `POST /v1/commit` response. */
export const commitResponseSchema = z.object({
  outputs: z.array(committedSchema),
  metrics: z.record(z.string(), z.number()).optional(),
});

/** What the operator recorded for a commit. */
export type CommitResponse = z.infer<typeof commitResponseSchema>;

/** Every error answer: a stable PascalCase reason for programs and a message for people. */
export const errorResponseSchema = z.object({ reason: z.string(), message: z.string() });

/** Reasons the transfer API answers with. */
export const TransferErrorReason = {
  Unauthenticated: 'Unauthenticated',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  InvalidRequest: 'InvalidRequest',
  /** The run is not in a state that allows this yet (e.g. commit while the main container runs). */
  NotReady: 'NotReady',
  BlobMissing: 'BlobMissing',
  /** A file set that cannot be written safely (an unsafe or case-colliding path): permanent. */
  InvalidFileSet: 'InvalidFileSet',
  /** Over the transfer API's rate or concurrency limits: retry after the Retry-After header. */
  TooManyRequests: 'TooManyRequests',
  /** An upload session's lease lapsed: its blobs may be collected; push again. */
  Gone: 'Gone',
  Internal: 'Internal',
} as const;
