import { Option, type Command } from 'commander';
import { operatorDefaults } from '../operator/options.ts';

const opt = (flags: string, description: string, env: string, fallback?: string | boolean): Option => {
  const option = new Option(flags, description).env(env);
  return fallback === undefined ? option : option.default(fallback);
};

/** Registers `tessera operator`. */
export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description('run the Tessera controller against the current kubeconfig (or in-cluster config)')
    .addOption(opt('--kubeconfig <path>', 'kubeconfig file; default: $KUBECONFIG, ~/.kube/config or in-cluster', 'KUBECONFIG'))
    .addOption(opt('--workers <n>', 'concurrent reconciles', 'TESSERA_WORKERS', operatorDefaults.workers))
    .addOption(opt('--qps <n>', 'client-side API request rate limit', 'TESSERA_QPS', operatorDefaults.qps))
    .addOption(opt('--burst <n>', 'client-side API request burst', 'TESSERA_BURST', operatorDefaults.burst))
    .addOption(new Option('--no-leader-elect', 'run without a lease (one replica only)').env('TESSERA_NO_LEADER_ELECT'))
    .addOption(opt('--lease-namespace <ns>', 'namespace of the leader-election Lease', 'TESSERA_LEASE_NAMESPACE', operatorDefaults.leaseNamespace))
    .addOption(opt('--lease-name <name>', 'name of the leader-election Lease', 'TESSERA_LEASE_NAME', operatorDefaults.leaseName))
    .addOption(opt('--lease-duration-seconds <n>', 'how long a lease holds without renewal', 'TESSERA_LEASE_DURATION_SECONDS', operatorDefaults.leaseDurationSeconds))
    .addOption(opt('--identity <id>', 'this replica in the Lease', 'TESSERA_IDENTITY', operatorDefaults.identity))
    .addOption(opt('--metrics-address <host:port>', 'serves /metrics, /healthz, /readyz', 'TESSERA_METRICS_ADDRESS', operatorDefaults.metricsAddress))
    .addOption(opt('--ttl-seconds-after-finished <n>', 'how long finished batch Jobs stay', 'TESSERA_TTL_SECONDS_AFTER_FINISHED', operatorDefaults.ttlSecondsAfterFinished))
    .addOption(opt('--run-as-user <uid>', 'uid and gid of job containers', 'TESSERA_RUN_AS_USER', operatorDefaults.runAsUser))
    .addOption(opt('--log-level <level>', 'trace, debug, info, warn, error', 'TESSERA_LOG_LEVEL', operatorDefaults.logLevel))
    .addOption(opt('--s3-endpoint <url>', 'the S3-compatible object store (pods reach it through presigned URLs)', 'TESSERA_S3_ENDPOINT'))
    .addOption(opt('--s3-region <region>', 'the object store region', 'TESSERA_S3_REGION', operatorDefaults.s3Region))
    .addOption(opt('--s3-bucket <name>', 'the bucket file sets live in', 'TESSERA_S3_BUCKET', operatorDefaults.s3Bucket))
    .addOption(opt('--import-bucket <name>', 'the landing-zone bucket: a Dataset indexes s3://<bucket>/<its namespace>/<prefix>', 'TESSERA_IMPORT_BUCKET', operatorDefaults.importBucket))
    .addOption(opt('--s3-access-key <key>', 'object store access key; without keys, the AWS default credential chain (IRSA, Pod Identity, instance role)', 'TESSERA_S3_ACCESS_KEY'))
    .addOption(opt('--s3-secret-key <key>', 'object store secret key (prefer the environment variable)', 'TESSERA_S3_SECRET_KEY'))
    .addOption(opt('--s3-ca-bundle-file <path>', "PEM of CAs the operator and the movers trust for the store's TLS, besides the system's", 'TESSERA_S3_CA_BUNDLE_FILE'))
    .addOption(opt('--s3-force-path-style <bool>', 'address objects as endpoint/bucket/key (true) or bucket.endpoint/key (false)', 'TESSERA_S3_FORCE_PATH_STYLE', operatorDefaults.s3ForcePathStyle))
    .addOption(opt('--s3-checksum-mode <mode>', 'required: bind x-amz-checksum-sha256 to writes; off: Content-MD5 instead, for stores that refuse x-amz-checksum-* (docs/object-stores.md)', 'TESSERA_S3_CHECKSUM_MODE', operatorDefaults.s3ChecksumMode))
    .addOption(opt('--result-signing-keys-file <path>', 'secrets that sign run results, one per line: the first signs, any verifies (rotation)', 'TESSERA_RESULT_SIGNING_KEYS_FILE'))
    .addOption(opt('--transfer-address <host:port>', "serves the transfer API to runs' pods", 'TESSERA_TRANSFER_ADDRESS', operatorDefaults.transferAddress))
    .addOption(opt('--api-address <host:port>', 'serves the workstation API (files.tessera.dev) to the API server over TLS', 'TESSERA_API_ADDRESS', operatorDefaults.apiAddress))
    .addOption(opt('--api-cert-file <path>', "the workstation API's serving certificate (PEM); without it the API is off", 'TESSERA_API_CERT_FILE'))
    .addOption(opt('--api-key-file <path>', "the workstation API's serving key (PEM)", 'TESSERA_API_KEY_FILE'))
    .addOption(opt('--transfer-url <url>', 'the transfer API as pods reach it; default http://<transfer-address>', 'TESSERA_TRANSFER_URL'))
    .addOption(opt('--mover-image <image>', 'the image of the pull init container and the push sidecar', 'TESSERA_MOVER_IMAGE', operatorDefaults.moverImage))
    .addOption(opt('--upload-grace-seconds <n>', 'how long the push sidecar may take after the main container exits', 'TESSERA_UPLOAD_GRACE_SECONDS', operatorDefaults.uploadGraceSeconds))
    .addOption(opt('--gc-interval-seconds <n>', 'how often unused file sets are deleted from the store; 0 never', 'TESSERA_GC_INTERVAL_SECONDS', operatorDefaults.gcIntervalSeconds))
    .addOption(opt('--gc-grace-seconds <n>', 'objects younger than this are never collected', 'TESSERA_GC_GRACE_SECONDS', operatorDefaults.gcGraceSeconds))
    .addOption(opt('--pod-node-selector <json>', 'node labels every run must match, as JSON', 'TESSERA_POD_NODE_SELECTOR'))
    .addOption(opt('--pod-tolerations <json>', 'tolerations every run gets, as a JSON list', 'TESSERA_POD_TOLERATIONS'))
    .action(async (raw: Record<string, unknown>) => {
      const { parseOperatorOptions } = await import('../operator/options.ts');
      const { runOperator } = await import('../operator/run.ts');
      await runOperator(parseOperatorOptions(raw));
    });
}
