// How Tessera's S3 client is configured for the store a user brings. Pure: the decisions (which
// credentials, which CA, which checksums, which CreateBucket) are functions of the options, so a
// unit test covers every combination without a store.
import { rootCertificates } from 'node:tls';
import type { BucketLocationConstraint, CreateBucketCommandInput, S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * Whether requests carry `x-amz-checksum-*` headers. `required` (the default): every put, presigned
 * PUT and verified copy binds a SHA-256 the store itself checks. `off`: for stores that refuse those
 * headers (GCS's S3 interoperability): the operator's puts bind Content-MD5, its verified copies are
 * hashed by the operator itself, and presigned PUTs, which without a checksum header bind no body,
 * may only name an upload session's staging key, which the operator hashes at commit (staging.ts;
 * docs/object-stores.md weighs the trade-off).
 */
export const ChecksumMode = { Required: 'required', Off: 'off' } as const;
export type ChecksumMode = (typeof ChecksumMode)[keyof typeof ChecksumMode];

/** How to reach an S3-compatible store. */
export interface S3BlobStoreOptions {
  endpoint: string;
  region: string;
  bucket: string;
  /** With the secret key, static credentials; both absent: the SDK's default chain (IRSA, EKS Pod Identity, instance roles, env). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** PEM of CAs to trust besides Node's own, for a store whose TLS certificate a private CA signed. */
  caBundle?: string;
  /** Path-style (`endpoint/bucket/key`) unless false; MinIO, SeaweedFS and most self-hosted stores need it. */
  forcePathStyle?: boolean;
  /** Default `required`. */
  checksumMode?: ChecksumMode;
  /** A request with no bytes moving for this long fails (and counts as one attempt). Default 30 s. */
  requestTimeoutMs?: number;
  /** Attempts per request, first included: the only retry budget in the storage stack. Default 5. */
  maxAttempts?: number;
  /** Bodies larger than this go multipart, in parts of this size. Default 8 MiB. */
  partSizeBytes?: number;
}

const connectTimeoutMs = 5_000;
const agentOptions = { keepAlive: true, maxSockets: 64 };

/** Static credentials when both keys are given; undefined leaves the SDK's default provider chain. */
export function staticCredentials(options: Pick<S3BlobStoreOptions, 'accessKeyId' | 'secretAccessKey'>): S3ClientConfig['credentials'] {
  if (options.accessKeyId && options.secretAccessKey) return { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
  if (options.accessKeyId || options.secretAccessKey) throw new Error('an object store needs both an access key and a secret key, or neither (the default credential chain)');
  return undefined;
}

/** The CAs an https agent trusts: Node's own plus the bundle's; undefined (Node's defaults) without one. */
export function trustedCas(caBundle: string | undefined): string[] | undefined {
  const extra = caBundle?.trim();
  return extra ? [...rootCertificates, extra] : undefined;
}

/** The S3Client's configuration for `options`. */
export function s3ClientConfig(options: S3BlobStoreOptions): S3ClientConfig {
  const credentials = staticCredentials(options);
  const ca = trustedCas(options.caBundle);
  return {
    endpoint: options.endpoint,
    region: options.region,
    ...(credentials ? { credentials } : {}),
    forcePathStyle: options.forcePathStyle ?? true,
    // S3-compatible stores lag AWS on the default CRC32 request checksums and response validation;
    // our integrity comes from the SHA-256 we bind into every put and verify on every read.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: connectTimeoutMs,
      // An idle timeout, not a total one: a large part on a slow link is fine as long as it moves.
      socketTimeout: options.requestTimeoutMs ?? 30_000,
      httpAgent: agentOptions,
      httpsAgent: ca ? { ...agentOptions, ca } : agentOptions,
    },
  };
}

/**
 * CreateBucket for `region`: us-east-1 is S3's default and must not be named (AWS refuses a
 * LocationConstraint of us-east-1); any other region must be, or AWS refuses the request.
 */
export function createBucketInput(bucket: string, region: string): CreateBucketCommandInput {
  if (region === 'us-east-1') return { Bucket: bucket };
  return { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
}
