import { hostname } from 'node:os';
import { z } from 'zod';
import { defaultMoverImage } from '../controllers/job/desired.ts';

const hostPort = z.string().regex(/^[^:]*:\d+$/, 'expected host:port, e.g. 127.0.0.1:8080 or :8080');

/** Flags that take JSON (`--pod-node-selector '{"pool":"gpu"}'`); a parse error becomes a zod issue. */
function parseJsonFlag(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The operator's settings, from flags and environment, checked before anything starts. */
export const operatorOptionsSchema = z
  .object({
    kubeconfig: z.string().optional(),
    workers: z.coerce.number().int().min(1).max(64),
    qps: z.coerce.number().positive().max(10_000),
    burst: z.coerce.number().int().min(1).max(20_000),
    leaderElect: z.boolean(),
    leaseNamespace: z.string().min(1),
    leaseName: z.string().min(1),
    leaseDurationSeconds: z.coerce.number().int().min(2).max(600),
    identity: z.string().min(1),
    metricsAddress: hostPort,
    ttlSecondsAfterFinished: z.coerce.number().int().min(0),
    runAsUser: z.coerce.number().int().min(1),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
    s3Endpoint: z.url().optional(),
    s3Region: z.string().min(1),
    s3Bucket: z.string().min(3).max(63),
    importBucket: z.string().min(3).max(63),
    s3AccessKey: z.string().min(1).optional(),
    s3SecretKey: z.string().min(1).optional(),
    s3CaBundleFile: z.string().min(1).optional(),
    s3ForcePathStyle: z.preprocess((v) => (v === 'false' ? false : v === 'true' ? true : v), z.boolean()),
    s3ChecksumMode: z.enum(['required', 'off']),
    resultSigningKeysFile: z.string().min(1).optional(),
    transferAddress: hostPort,
    apiAddress: hostPort,
    apiCertFile: z.string().min(1).optional(),
    apiKeyFile: z.string().min(1).optional(),
    transferUrl: z.url().optional(),
    moverImage: z.string().min(1),
    uploadGraceSeconds: z.coerce.number().int().min(10).max(86_400),
    gcIntervalSeconds: z.coerce.number().int().min(0),
    gcGraceSeconds: z.coerce.number().int().min(0),
    podNodeSelector: z.preprocess(parseJsonFlag, z.record(z.string(), z.string())).optional(),
    podTolerations: z
      .preprocess(
        parseJsonFlag,
        z.array(z.object({ key: z.string().optional(), operator: z.enum(['Exists', 'Equal']).optional(), value: z.string().optional(), effect: z.string().optional() })),
      )
      .optional(),
  })
  .refine((o) => (o.apiCertFile === undefined) === (o.apiKeyFile === undefined), {
    message: 'the workstation API needs both --api-cert-file and --api-key-file',
    path: ['apiCertFile'],
  })
  // Both keys, or neither: then the AWS SDK's default chain (IRSA, EKS Pod Identity, instance roles).
  .refine((o) => (o.s3AccessKey === undefined) === (o.s3SecretKey === undefined), {
    message: 'give both --s3-access-key and --s3-secret-key (or TESSERA_S3_ACCESS_KEY and TESSERA_S3_SECRET_KEY), or neither for the default credential chain',
    path: ['s3AccessKey'],
  })
  // Results and upload sessions are signed with keys of the operator's own, never with anything
  // derived from the store's credentials (which are not the operator's alone).
  .refine((o) => !o.s3Endpoint || o.resultSigningKeysFile, {
    message: 'an object store needs --result-signing-keys-file (or TESSERA_RESULT_SIGNING_KEYS_FILE): one secret of 32+ characters per line, the current one first',
    path: ['resultSigningKeysFile'],
  });

export type OperatorOptions = z.infer<typeof operatorOptionsSchema>;

/** Defaults for every setting; the CLI shows them in --help. */
export const operatorDefaults = {
  workers: '8',
  qps: '50',
  burst: '100',
  leaderElect: true,
  leaseNamespace: process.env.POD_NAMESPACE ?? 'default',
  leaseName: 'tessera-operator',
  leaseDurationSeconds: '15',
  identity: `${hostname()}-${process.pid}`,
  metricsAddress: '127.0.0.1:8080',
  ttlSecondsAfterFinished: '3600',
  runAsUser: '65532',
  logLevel: 'info',
  s3Region: 'us-east-1',
  s3ForcePathStyle: 'true',
  s3ChecksumMode: 'required',
  s3Bucket: 'tessera',
  importBucket: 'tessera-imports',
  transferAddress: '127.0.0.1:8090',
  apiAddress: '0.0.0.0:8443',
  moverImage: defaultMoverImage,
  uploadGraceSeconds: '600',
  gcIntervalSeconds: '3600',
  gcGraceSeconds: '3600',
} as const;

/** Parses raw CLI values; a bad value fails with every problem named, before any connection. */
export function parseOperatorOptions(raw: Record<string, unknown>): OperatorOptions {
  const parsed = operatorOptionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const flag = (path: PropertyKey[]): string => `--${String(path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const problems = parsed.error.issues.map((i) => `${flag(i.path)}: ${i.message}`).join('\n  ');
  throw new Error(`invalid operator options:\n  ${problems}`);
}
