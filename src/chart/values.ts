import { z } from 'zod';
import { nodeSelectorSchema, quantitySchema, tolerationSchema } from '../api/common.ts';

// The values of charts/tessera: the one source of its values.yaml (defaults and comments) and its
// values.schema.json, both written by scripts/generate-crds.ts. Every `tessera operator` flag has a
// value here except --kubeconfig (in a cluster the operator uses its ServiceAccount) and
// --lease-namespace (the Lease lives in the release namespace, where the chart's Role grants it).
//
// Objects are strict, so a misspelt key fails `helm install` instead of being ignored; each nested
// object uses prefault({}) so its own defaults apply when a user leaves it out.

const port = z.int().min(1).max(65_535);
const imagePullPolicy = z.enum(['Always', 'IfNotPresent', 'Never']);
const stringMap = z.record(z.string(), z.string());
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and "-"').max(63);
/** An http(s) URL (z.url alone takes `minio:9000` for a URL of scheme `minio:`). */
const httpUrl = z.url({ protocol: /^https?$/ }).regex(/^https?:\/\//, 'must be an http:// or https:// URL');
/** An IPv4 or IPv6 address, or '' for "let Kubernetes choose". */
const clusterIp = z.union([z.literal(''), z.ipv4(), z.ipv6()]);

const resourcesSchema = z.strictObject({
  requests: z.record(z.string(), quantitySchema).optional(),
  limits: z.record(z.string(), quantitySchema).optional(),
});

const imageSchema = z
  .strictObject({
    repository: z.string().min(1).default('tessera/operator').describe('the operator image (Node 24 + Tessera); also the mover image unless operator.moverImage is set'),
    tag: z.string().default('').describe("the image tag; default: the chart's appVersion"),
    pullPolicy: imagePullPolicy.default('IfNotPresent'),
  })
  .prefault({})
  .describe('the image of the operator');

const leaderElectionSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('run controllers only on the replica holding the Lease; required for more than one replica'),
    leaseName: dnsLabel.default('tessera-operator').describe('the Lease, in the release namespace'),
    leaseDurationSeconds: z.int().min(2).max(600).default(15).describe('how long a Lease holds without renewal'),
  })
  .prefault({})
  .describe('leader election on a coordination.k8s.io Lease');

/**
 * A small young generation and a heap that grows for memory, not allocation speed: the operator's
 * live data is its caches, and Node's defaults let garbage push its RSS to 2-3× that under a burst
 * of Jobs (npm run bench -- jobs: 389 MiB peak without, about 180 MiB with).
 */
export const operatorNodeArgs = ['--max-semi-space-size=4', '--optimize-for-size'];

const operatorSchema = z
  .strictObject({
    workers: z.int().min(1).max(64).default(8).describe('concurrent reconciles per controller'),
    qps: z.number().positive().max(10_000).default(50).describe('client-side API request rate limit'),
    burst: z.int().min(1).max(20_000).default(100).describe('client-side API request burst'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    ttlSecondsAfterFinished: z.int().min(0).default(3600).describe("how long a finished run's batch Job and pod stay (status outlives them)"),
    runAsUser: z.int().min(1).default(65532).describe("uid and gid of runs' containers"),
    moverImage: z.string().default('').describe("the image of runs' pull init container and push sidecar; default: the operator image"),
    uploadGraceSeconds: z.int().min(10).max(86_400).default(600).describe('how long the push sidecar may upload after the main container exits'),
    gcIntervalSeconds: z.int().min(0).default(3600).describe('how often unused file sets are deleted from the store; 0 never'),
    gcGraceSeconds: z.int().min(0).default(3600).describe('objects younger than this are never collected'),
    nodeArgs: z
      .array(z.string().min(1))
      .default(operatorNodeArgs)
      .describe('flags of node in the operator container, which runs `node <nodeArgs> /app/tessera/tessera.mjs operator` (V8 flags such as --optimize-for-size are refused in NODE_OPTIONS); the default sizes the heap for memory rather than peak allocation speed'),
    extraEnv: z
      .array(z.looseObject({ name: z.string().min(1) }))
      .default([])
      .describe("more environment variables for the operator container (core/v1 EnvVar)"),
  })
  .prefault({})
  .describe('settings of `tessera operator` (see `tessera operator --help`)');

const runsSchema = z
  .strictObject({
    nodeSelector: nodeSelectorSchema.default({}).describe("node labels every run's pod must match (--pod-node-selector)"),
    tolerations: z.array(tolerationSchema).default([]).describe("taints every run's pod tolerates (--pod-tolerations)"),
  })
  .prefault({})
  .describe("where runs' pods go, on top of each Job's own nodeSelector and tolerations");

const objectStoreSchema = z
  .strictObject({
    endpoint: z.union([z.literal(''), httpUrl]).default('').describe("the S3-compatible store, reachable from the operator and from runs' pods; '' runs without one"),
    region: z.string().min(1).default('us-east-1'),
    bucket: z.string().min(3).max(63).default('tessera').describe('the bucket file sets live in (created if missing)'),
    importBucket: z.string().min(3).max(63).default('tessera-imports').describe('the landing-zone bucket: a Dataset indexes s3://<bucket>/<its namespace>/<prefix>'),
    accessKey: z.string().default('').describe("written into a Secret the chart creates; ignored with existingSecret. No keys at all: the AWS SDK's default credential chain (IRSA via serviceAccount.annotations, EKS Pod Identity, instance roles)"),
    secretKey: z.string().default('').describe('written into a Secret the chart creates; ignored with existingSecret'),
    existingSecret: z.string().default('').describe('a Secret in the release namespace with the keys instead'),
    accessKeyKey: z.string().min(1).default('accessKey').describe('the key of the access key in that Secret'),
    secretKeyKey: z.string().min(1).default('secretKey').describe('the key of the secret key in that Secret'),
    caBundle: z.string().default('').describe("PEM of the CA that signed the store's TLS certificate, if not a public one: the operator and runs' movers trust it"),
    forcePathStyle: z.boolean().default(true).describe('address objects as endpoint/bucket/key (MinIO, SeaweedFS, most self-hosted stores); false for virtual-hosted bucket.endpoint/key'),
    checksumMode: z
      .enum(['required', 'off'])
      .default('required')
      .describe('required: writes carry x-amz-checksum-sha256, which the store verifies; off: for stores that refuse x-amz-checksum-* headers (GCS interoperability), see docs/object-stores.md'),
  })
  .prefault({})
  .describe('the object store file sets live in; pods never see its keys, only presigned URLs');

const resultSigningSchema = z
  .strictObject({
    existingSecret: z.string().default('').describe('a Secret in the release namespace holding the keys; default: one the chart creates with a random key (kept across upgrades)'),
    key: z.string().min(1).default('keys').describe('the key in that Secret: one secret of 32+ characters per line, the current one first; to rotate, put the new one first and keep the old until its runs are done'),
  })
  .prefault({})
  .describe("the keys the operator signs run results with, its own and never derived from the object store's keys (used with an object store)");

const serviceCommon = {
  annotations: stringMap.default({}),
};

const transferSchema = z
  .strictObject({
    port: port.default(8090).describe('the container port of the transfer API'),
    url: z.union([z.literal(''), httpUrl]).default('').describe("the transfer API as runs' pods reach it; default: the Service's ClusterIP when pinned, else its DNS name"),
    service: z
      .strictObject({
        ...serviceCommon,
        port: port.default(8090),
        clusterIP: clusterIp.default('').describe('pin the Service to this address (a cluster without DNS sets it, and the pods use it)'),
      })
      .prefault({}),
  })
  .prefault({})
  .describe('the transfer API runs\' pods call for presigned URLs');

/** A Prometheus duration, as the Prometheus Operator's CRDs check it (30s, 1m, 1h30m). */
const promDuration = z.string().regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/, 'must be a Prometheus duration such as 30s or 1m');

/** A Prometheus Operator object the chart renders when enabled: its labels (a Prometheus's selector picks it by them). */
const monitorCommon = {
  labels: stringMap.default({}).describe('labels of the object, e.g. the release label your Prometheus selects'),
};

/** How Prometheus scrapes the operator, through a ServiceMonitor or a PodMonitor. */
const scrapeFields = {
  ...monitorCommon,
  interval: promDuration.default('30s').describe('how often Prometheus scrapes each replica'),
  scrapeTimeout: z.union([z.literal(''), promDuration]).default('').describe("default: Prometheus's"),
};
const crdsNote = 'monitoring.coreos.com/v1; needs the Prometheus Operator\'s CRDs';

const metricsSchema = z
  .strictObject({
    port: port.default(8080).describe('serves /metrics, /healthz and /readyz'),
    service: z.strictObject({ ...serviceCommon, port: port.default(8080) }).prefault({}),
    serviceMonitor: z
      .strictObject({ enabled: z.boolean().default(false).describe(`render a ServiceMonitor of the metrics Service (${crdsNote})`), ...scrapeFields })
      .prefault({}),
    podMonitor: z
      .strictObject({ enabled: z.boolean().default(false).describe(`render a PodMonitor of the operator pods instead (${crdsNote})`), ...scrapeFields })
      .prefault({}),
    prometheusRule: z
      .strictObject({
        enabled: z.boolean().default(false).describe(`render a PrometheusRule with Tessera's alerts, charts/tessera/rules/tessera.rules.yaml (${crdsNote})`),
        ...monitorCommon,
      })
      .prefault({}),
    dashboard: z
      .strictObject({
        enabled: z.boolean().default(false).describe('render a ConfigMap holding the Grafana dashboard (charts/tessera/dashboards/tessera.json)'),
        labels: stringMap.default({ grafana_dashboard: '1' }).describe("labels Grafana's dashboard sidecar looks for"),
      })
      .prefault({}),
  })
  .prefault({})
  .describe('Prometheus metrics and health probes');

const workstationApiSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('serve files.tessera.dev (an APIService): `tessera dataset push`, `algo push`, `fileset pull` and `gc` with users\' own Kubernetes credentials; needs objectStore.endpoint'),
    port: port.default(8443).describe('the container port the API server reaches the workstation API on (TLS)'),
    certificate: z
      .strictObject({
        existingSecret: z.string().default('').describe('a kubernetes.io/tls Secret in the release namespace (tls.crt, tls.key) for the API; default: the chart generates a CA and certificate, kept across upgrades'),
        caBundle: z.string().default('').describe('PEM of the CA that signed existingSecret\'s certificate: the APIService\'s caBundle'),
      })
      .prefault({}),
  })
  .prefault({})
  .describe('the workstation API: users push and pull file sets through the cluster\'s API server, never holding the store\'s keys');

const uiSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('run the dashboard (`tessera ui --in-cluster`) in the release namespace, reached with `kubectl port-forward`: each person signs in with their own Kubernetes token and reads as themselves; its pod holds no credentials and its ServiceAccount no RBAC (docs/ui.md)'),
    port: port.default(8080).describe('the container port of the dashboard'),
    service: z.strictObject({ ...serviceCommon, port: port.default(80) }).prefault({}),
    resources: resourcesSchema.default({ requests: { cpu: '20m', memory: '96Mi' }, limits: { memory: '512Mi' } }).describe('of the dashboard container'),
  })
  .prefault({})
  .describe('the dashboard, in the cluster');

const serviceAccountSchema = z
  .strictObject({
    create: z.boolean().default(true),
    name: z.string().default('').describe('default: the release fullname'),
    annotations: stringMap.default({}),
  })
  .prefault({});

const rbacSchema = z
  .strictObject({
    create: z.boolean().default(true).describe("the operator's ClusterRole, its Lease Role and their bindings"),
    aggregateToDefaultRoles: z.boolean().default(true).describe('tessera-edit and tessera-view, aggregated into the built-in admin, edit and view roles'),
  })
  .prefault({});

const crdsSchema = z
  .strictObject({
    install: z.boolean().default(true).describe('install the four CRDs with the release'),
    keep: z.boolean().default(true).describe('keep the CRDs (and every Tessera object) on helm uninstall, and let Argo CD and Flux never prune or delete them'),
  })
  .prefault({});

/** charts/tessera's values: what values.yaml defaults and values.schema.json checks. */
export const chartValuesSchema = z.strictObject({
  nameOverride: z.string().default(''),
  fullnameOverride: z.string().default(''),
  image: imageSchema,
  imagePullSecrets: z.array(z.strictObject({ name: z.string().min(1) })).default([]),
  replicaCount: z.int().min(1).max(10).default(1).describe('operator replicas; one leads, every one serves the transfer API'),
  leaderElection: leaderElectionSchema,
  operator: operatorSchema,
  runs: runsSchema,
  objectStore: objectStoreSchema,
  resultSigning: resultSigningSchema,
  transfer: transferSchema,
  metrics: metricsSchema,
  workstationApi: workstationApiSchema,
  ui: uiSchema,
  clusterDomain: z.string().min(1).default('cluster.local').describe("the cluster's DNS domain, for the transfer Service's name"),
  serviceAccount: serviceAccountSchema,
  rbac: rbacSchema,
  crds: crdsSchema,
  resources: resourcesSchema
    .default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } })
    .describe('of the operator container'),
  nodeSelector: nodeSelectorSchema.default({}).describe("of Tessera's own pods: the operator's and the dashboard's"),
  tolerations: z.array(tolerationSchema).default([]).describe("of Tessera's own pods: the operator's and the dashboard's"),
  affinity: z.record(z.string(), z.unknown()).default({}).describe("of Tessera's own pods: the operator's and the dashboard's"),
  priorityClassName: z.string().default(''),
  podAnnotations: stringMap.default({}),
  podLabels: stringMap.default({}),
  terminationGracePeriodSeconds: z.int().min(0).default(30).describe('the operator stops its controllers and releases the Lease on SIGTERM'),
  // A parent chart passes `global` to every subchart; it must not fail the strict root.
  global: z.record(z.string(), z.unknown()).optional(),
});

/** The chart's values, defaults applied. */
export type ChartValues = z.infer<typeof chartValuesSchema>;

/** The default values: what values.yaml holds. */
export function defaultChartValues(): ChartValues {
  return chartValuesSchema.parse({});
}
