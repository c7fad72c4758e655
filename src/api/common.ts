import { z } from 'zod';

// Shapes shared by every Tessera kind. Each zod schema here is the source of a TypeScript type, of
// runtime validation in the controller and of a piece of the CRD's OpenAPI schema (see crd.ts), so
// a bound or pattern added here reaches all three.

/** The API group of every Tessera kind. */
export const apiGroup = 'tessera.dev';
/** The one served (and stored) version. */
export const apiVersion = 'v1alpha1';
/** `apiVersion` as it appears on objects. */
export const groupVersion = `${apiGroup}/${apiVersion}` as const;

/**
 * A CEL rule the API server checks (`x-kubernetes-validations`), placed at `path` in the CRD schema:
 * `''` is the object root, `spec.resources` a field, `spec.tasks[]` each item of a list. Rules that
 * CEL can check are mirrored by a zod refinement on the same schema, so the controller agrees.
 */
export interface CelRule {
  path: string;
  rule: string;
  message: string;
  /** Relative to the rule's node, e.g. `.image`; shown in the error in place of the node's path. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** No value appears twice: the zod twin of `x-kubernetes-list-type: set` and of map keys. */
export function isDistinct(values: readonly unknown[]): boolean {
  return new Set(values).size === values.length;
}

/** A PascalCase word: condition types and reasons (`OOMKilled`, `InputNotReady`). */
export const pascalCasePattern = /^[A-Z][A-Za-z0-9]*$/;
const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A non-negative Kubernetes quantity: `500m`, `2`, `1.5`, `4Gi`, `1e3`. */
export const quantityPattern = /^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
/** A content address: `sha256:` and 64 lowercase hex digits. */
export const digestPattern = /^sha256:[a-f0-9]{64}$/;

/** A DNS-1123 label (namespaces, task names): at most 63 characters. */
export const dnsLabelSchema = z
  .string()
  .max(63)
  .regex(dnsLabelPattern, 'must be a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit');

/** A DNS-1123 subdomain (most object names): at most 253 characters. */
export const dnsSubdomainSchema = z
  .string()
  .max(253)
  .regex(dnsSubdomainPattern, 'must be a DNS subdomain: lowercase letters, digits, "-" and "."');

/** A label value: at most 63 characters, alphanumeric at both ends. */
export const labelValueSchema = z
  .string()
  .max(63)
  .regex(labelValuePattern, 'must be a label value: at most 63 letters, digits, "-", "_" or ".", alphanumeric at both ends');

/** A `sha256:<hex>` content address of a file or file-set manifest. */
export const digestSchema = z.string().regex(digestPattern, 'must be a digest: sha256: followed by 64 lowercase hex digits');

/** An RFC 3339 timestamp in UTC, as `Date.prototype.toISOString()` writes it. */
export const timestampSchema = z.iso.datetime();

const quantityMessage = 'must be a Kubernetes quantity: a non-negative integer or a string such as 500m, 2, 1.5 or 4Gi';

/**
 * A Kubernetes quantity (`cpu: 500m`, `memory: 4Gi`): a non-negative integer or a quantity string.
 * In the CRD it is int-or-string with the quantity pattern, as Kubernetes' own resource fields are.
 */
export const quantitySchema = z
  .union(
    [
      z.int().min(0, quantityMessage),
      // zod reports the branch whose type matched, so the string branch carries the readable message.
      z.string().max(64, quantityMessage).regex(quantityPattern, quantityMessage),
    ],
    { error: quantityMessage },
  )
  .meta({ 'x-kubernetes-int-or-string': true });

/** A Kubernetes quantity: a number or a string such as `4Gi`. */
export type Quantity = z.infer<typeof quantitySchema>;

/**
 * The size limit of a run's work directories (inputs, outputs, code) when `resources.disk` is unset:
 * a run that fills the node's disk would evict its neighbours, a limit evicts only itself.
 */
export const defaultWorkDirSize = '20Gi';

/** The most GPUs one container may ask for. */
export const maxGpus = 64;

/**
 * An extended resource a device plugin advertises, `domain/name` (nvidia.com/mig-1g.10gb, amd.com/gpu),
 * never one of Kubernetes' own (kubernetes.io domains).
 */
export const extendedResourceSchema = z
  .string()
  .max(253)
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'must be an extended resource name, domain/name, e.g. amd.com/gpu')
  .refine((name) => !/(^|\.)kubernetes\.io\//.test(name), "must not be one of Kubernetes' own resources");

/** Accelerators other than whole NVIDIA GPUs: MIG slices, AMD or other vendors' devices. */
export const acceleratorSchema = z.object({
  resource: extendedResourceSchema.describe('the device plugin\'s resource, e.g. nvidia.com/mig-1g.10gb or amd.com/gpu'),
  count: z.int().min(1).max(maxGpus),
  product: labelValueSchema.optional().describe("the vendor's product node label to run on (nvidia.com/gpu.product, amd.com/gpu.product-name)"),
});

/** What a container needs: requests = limits, so the pod is Guaranteed QoS and a GPU count exact. */
export const resourcesSchema = z.object({
  cpu: quantitySchema.optional().describe('CPU cores, e.g. 2 or 500m'),
  memory: quantitySchema.optional().describe('memory, e.g. 4Gi'),
  gpu: z.int().min(0).max(maxGpus).optional().describe('whole GPUs (nvidia.com/gpu)'),
  accelerator: acceleratorSchema.optional().describe('any other accelerator, by resource name and count (instead of gpu)'),
  gpuProduct: labelValueSchema.optional().describe('the nvidia.com/gpu.product node label to run on, e.g. NVIDIA-A100-SXM4-80GB'),
  disk: quantitySchema
    .optional()
    .describe(`scratch disk, e.g. 50Gi: the ephemeral-storage request and limit, and the size limit of the work directories (${defaultWorkDirSize} when unset)`),
}).refine((r) => !(r.gpu && r.accelerator), { message: 'set gpu or accelerator, not both: a container asks for one kind of accelerator', path: ['accelerator'] });

/** CPU, memory and GPUs for one container. */
export type Resources = z.infer<typeof resourcesSchema>;

/**
 * The name of an input or output: the directory it appears under (`/tessera/inputs/<name>`), so it
 * is a single safe path segment.
 */
export const ioNameSchema = z
  .string()
  .max(63)
  .regex(/^[a-z][a-z0-9_-]*$/, 'must start with a lowercase letter and hold only lowercase letters, digits, "_" and "-"');

/** A reference to an object of a known kind in the same namespace. */
export const objectRefSchema = z.object({ name: dnsSubdomainSchema });

/** `{ name }` of an object in the same namespace. */
export type ObjectRef = z.infer<typeof objectRefSchema>;

/** An environment variable of the user's container. */
export const envVarSchema = z.object({
  name: z.string().min(1).max(256).regex(/^[^=]+$/, 'must not contain "="'),
  value: z.string().optional(),
});

/** `{ name, value }` of an environment variable. */
export type EnvVar = z.infer<typeof envVarSchema>;

/** Environment variables, keyed by name: a name appears once. */
export const envSchema = z
  .array(envVarSchema)
  .refine((vars) => isDistinct(vars.map((v) => v.name)), 'environment variable names must be unique')
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });

/** The most tolerations a spec may carry (CEL's cost estimate needs a bound). */
export const maxTolerations = 32;

/**
 * A label key (a qualified name): an optional DNS-subdomain prefix and "/", then a name of at most 63
 * letters, digits, "-", "_" or ".", alphanumeric at both ends. The API server refuses anything else in
 * a pod's nodeSelector or a toleration's key; checking here refuses the Job, not its run.
 */
export const labelKeyPattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelKeyMessage = 'must be a label key: an optional DNS-subdomain prefix and "/", then at most 63 letters, digits, "-", "_" or ".", alphanumeric at both ends';
/** labelKeyPattern in CEL (RE2) syntax. */
const labelKeyCel = labelKeyPattern.source.replaceAll('\\', '\\\\');

/** A label key: `zone`, `example.com/pool`. */
export const labelKeySchema = z.string().max(316).regex(labelKeyPattern, labelKeyMessage);

/** A pod toleration, as in the core API. */
export const tolerationSchema = z
  .object({
    key: labelKeySchema.optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: labelValueSchema.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.int().optional(),
  })
  .refine((t) => t.operator !== 'Exists' || t.value === undefined, 'a toleration with operator Exists must not set value')
  .refine((t) => t.tolerationSeconds === undefined || t.effect === 'NoExecute', 'tolerationSeconds needs effect NoExecute');

/** A pod toleration. */
export type Toleration = z.infer<typeof tolerationSchema>;

/** The CEL twin of `tolerationSchema`'s refinements, for a list of tolerations at `path`. */
export function tolerationCelRules(path: string): CelRule[] {
  return [
    {
      path: `${path}[]`,
      rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value)",
      message: 'a toleration with operator Exists must not set value',
    },
    {
      path: `${path}[]`,
      rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
      message: 'tolerationSeconds needs effect NoExecute',
    },
  ];
}

/** The most labels a nodeSelector may name (CEL's cost estimate needs a bound). */
export const maxNodeSelectorLabels = 32;

/** Node labels a pod must match: label keys to label values. */
export const nodeSelectorSchema = z
  .record(z.string(), labelValueSchema)
  // A refinement, not a key schema: zod reports a bad key only as "Invalid key in record".
  .refine((m) => Object.keys(m).every((k) => k.length <= 316 && labelKeyPattern.test(k)), `every key ${labelKeyMessage}`)
  .refine((m) => Object.keys(m).length <= maxNodeSelectorLabels, `at most ${maxNodeSelectorLabels} labels`)
  .meta({ maxProperties: maxNodeSelectorLabels });

/** Node labels a pod must match. */
export type NodeSelector = z.infer<typeof nodeSelectorSchema>;

/** The CEL twin of nodeSelectorSchema's key pattern (record keys have no schema in a CRD). */
export function nodeSelectorCelRules(path: string): CelRule[] {
  return [{ path, rule: `self.all(k, k.size() <= 316 && k.matches('${labelKeyCel}'))`, message: `every key ${labelKeyMessage}` }];
}

/** The status of a condition, as in metav1.Condition. */
export const conditionStatusSchema = z.enum(['True', 'False', 'Unknown']);

/** One observation of an object's state, shaped like metav1.Condition. */
export const conditionSchema = z.object({
  type: z.string().max(316).regex(pascalCasePattern, 'must be PascalCase, e.g. Ready'),
  status: conditionStatusSchema,
  reason: z.string().min(1).max(1024).regex(pascalCasePattern, 'must be PascalCase, e.g. OOMKilled'),
  message: z.string().max(32768),
  lastTransitionTime: timestampSchema,
  observedGeneration: z.int().min(0).optional(),
});

/** One condition: type, status, PascalCase reason, message, when it last flipped, for which generation. */
export type Condition = z.infer<typeof conditionSchema>;

/** The most conditions one object carries. */
export const maxConditions = 32;

/** Conditions keyed by type: the CRD merges them per type under server-side apply. */
export const conditionsSchema = z
  .array(conditionSchema)
  .max(maxConditions)
  .refine((cs) => isDistinct(cs.map((c) => c.type)), 'condition types must be unique')
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

/**
 * The parts of ObjectMeta Tessera reads. Loose: whatever else the API server sends is kept. Not part
 * of the CRD body schema, where the API server validates metadata itself. Timestamps are left to the
 * loose part (typed unknown): @kubernetes/client-node types them as Date while custom objects carry
 * strings, and declaring either would make our kinds unusable as its KubernetesObject.
 */
export const objectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z
    .array(
      z.object({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
        blockOwnerDeletion: z.boolean().optional(),
      }),
    )
    .optional(),
});

/** The metadata of a Tessera object as read from the API server. */
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

/**
 * Names of objects whose children carry the name as a label value must fit in one (63 characters).
 * Only `metadata.name` is visible to CEL, so this is a rule at the root; it names no fieldPath because
 * the API server accepts only paths into the schema, and metadata has none there.
 */
export const nameFitsLabelRule: CelRule = {
  path: '',
  rule: 'self.metadata.name.size() <= 63',
  message: 'metadata.name must be at most 63 characters: it is used as a label value on the objects Tessera creates',
};
