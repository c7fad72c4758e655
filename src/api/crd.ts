import { z } from 'zod';
import type { CelRule } from './common.ts';
import type { KindDefinition, PrinterColumn } from './kinds.ts';

// zod schema → OpenAPI 3.0 (zod's own toJSONSchema) → a *structural* schema the API server accepts
// → a CustomResourceDefinition. All pure: scripts/generate-crds.ts does the writing.

/** A node of an OpenAPI v3 schema, as in apiextensions.k8s.io/v1 JSONSchemaProps. */
export interface JsonSchema {
  [key: string]: unknown;
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  anyOf?: JsonSchema[];
  'x-kubernetes-validations'?: Array<Omit<CelRule, 'path'>>;
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition, as plain data. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: Array<{
      name: string;
      served: true;
      storage: true;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JsonSchema };
    }>;
  };
}

/** Keys an apiextensions.k8s.io/v1 schema node may carry. Anything else is a generator bug. */
const crdSchemaKeys = new Set([
  'type', 'format', 'title', 'description', 'default', 'example', 'enum', 'nullable',
  'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'multipleOf',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'maxProperties', 'minProperties',
  'required', 'items', 'properties', 'additionalProperties', 'anyOf',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);

/** Keys zod writes that mean nothing to the API server. */
const droppedKeys = new Set(['$schema', '$id', 'id', 'propertyNames']);

/** zod gives every `z.int()` these bounds; in a CRD they are noise (integers are int64 there). */
const safeIntegerBounds = new Set([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);

/** The OpenAPI 3.0 schema zod derives, before it is made structural. */
export function openApiOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    unrepresentable: 'throw',
  }) as JsonSchema;
}

function fail(path: string, problem: string): never {
  throw new Error(`schema at ${path || '<root>'}: ${problem}`);
}

function rejectUnstructural(node: JsonSchema, path: string): void {
  for (const key of ['$ref', '$defs', 'definitions']) {
    if (key in node) fail(path, `${key} is not allowed in a CRD: inline the schema instead`);
  }
  for (const key of ['oneOf', 'allOf', 'not']) {
    if (key in node) fail(path, `${key} is not structural: model alternatives as optional fields plus a CEL rule`);
  }
  if (node.anyOf && node['x-kubernetes-int-or-string'] !== true) {
    fail(path, 'a union is not structural: model alternatives as optional fields plus a CEL rule');
  }
}

/** The bound of a branch, unless it is one zod adds to every integer. */
function realBound(value: unknown): number | undefined {
  return typeof value === 'number' && !safeIntegerBounds.has(value) ? value : undefined;
}

/**
 * Int-or-string in the only form a structural schema allows: `anyOf: [{type: integer}, {type: string}]`
 * with value validations hoisted to the node. `minimum` applies only to numbers and `pattern` and
 * `maxLength` only to strings, so each still checks just its own branch.
 */
function intOrString(node: JsonSchema, path: string): JsonSchema {
  const branches = node.anyOf ?? [];
  const text = branches.find((b) => b.type === 'string');
  const integer = branches.find((b) => b.type === 'integer');
  if (!text || !integer || branches.length !== 2) fail(path, 'x-kubernetes-int-or-string needs exactly an integer and a string branch');
  const hoisted = {
    minimum: realBound(integer.minimum),
    maximum: realBound(integer.maximum),
    maxLength: text.maxLength,
    pattern: text.pattern,
  };
  const out: JsonSchema = { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  if (node.description) out.description = node.description;
  for (const [key, value] of Object.entries(hoisted)) if (value !== undefined) out[key] = value;
  return out;
}

/** Keys zod writes that say nothing to the API server, or nothing it does not check itself. */
function isNoise(node: JsonSchema, key: string, value: unknown): boolean {
  if (droppedKeys.has(key)) return true;
  if (key === 'minimum' || key === 'maximum') return realBound(value) === undefined;
  // zod adds its own RFC 3339 regex next to `format: date-time`; the API server checks the format.
  if (key === 'pattern') return node.format === 'date-time';
  return key === 'required' && Array.isArray(value) && value.length === 0;
}

/** One key of a node, renamed, kept or dropped; children are handled by the caller. */
function cleanKey(node: JsonSchema, key: string, value: unknown, path: string): [string, unknown] | undefined {
  if (isNoise(node, key, value)) return undefined;
  if (key === 'const') return ['enum', [value]];
  if (!crdSchemaKeys.has(key)) fail(path, `${key} has no place in a CRD schema`);
  return [key, value];
}

function isOpenObject(value: unknown): boolean {
  return value === true || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
}

/**
 * `additionalProperties` beside `properties` is not structural: `false` is the default anyway, and
 * an open object (`z.looseObject`) becomes `x-kubernetes-preserve-unknown-fields`.
 */
function cleanAdditionalProperties(out: JsonSchema, path: string): void {
  const extra = out.additionalProperties;
  if (extra === undefined) return;
  if (out.properties) {
    delete out.additionalProperties;
    if (isOpenObject(extra)) out['x-kubernetes-preserve-unknown-fields'] = true;
    return;
  }
  if (isOpenObject(extra)) {
    delete out.additionalProperties;
    out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (typeof extra === 'object') {
    out.additionalProperties = structuralSchema(extra, `${path}{}`);
  }
}

function cleanChildren(out: JsonSchema, path: string): void {
  if (out.properties) {
    const entries = Object.entries(out.properties).map(([name, child]) => [name, structuralSchema(child, `${path}.${name}`)]);
    out.properties = Object.fromEntries(entries) as Record<string, JsonSchema>;
  }
  if (out.items) out.items = structuralSchema(out.items, `${path}[]`);
  cleanAdditionalProperties(out, path);
}

/**
 * Makes one OpenAPI schema (as zod writes it) a structural CRD schema: no `$ref`, no unions but
 * int-or-string, no `additionalProperties` beside `properties`, `const` as `enum`, a `type` on
 * every node. Pure; throws naming the path of anything it cannot express, so a schema change that
 * would make the CRD non-structural fails the generator rather than the API server.
 */
export function structuralSchema(node: JsonSchema, path = ''): JsonSchema {
  rejectUnstructural(node, path);
  if (node['x-kubernetes-int-or-string'] === true) return intOrString(node, path);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    const kept = cleanKey(node, key, value, path);
    if (kept) out[kept[0]] = kept[1];
  }
  cleanChildren(out, path);
  if (!out.type && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    fail(path, 'every node needs a type (z.unknown() and z.any() are not structural)');
  }
  return out;
}

/** The node a CEL rule's path (`spec.tasks[].inputs[]`, `''` for the root) names. */
export function schemaNodeAt(root: JsonSchema, path: string): JsonSchema {
  let node = root;
  for (const segment of path ? path.split('.') : []) {
    const name = segment.replace(/\[\]$/, '');
    const child = node.properties?.[name];
    if (!child) fail(path, `no property ${name}`);
    node = child;
    if (segment.endsWith('[]')) {
      if (!node.items) fail(path, `${name} is not a list`);
      node = node.items;
    }
  }
  return node;
}

/** A copy of `root` with each rule added to the `x-kubernetes-validations` of its node. */
export function withCelRules(root: JsonSchema, rules: readonly CelRule[]): JsonSchema {
  const copy = structuredClone(root);
  for (const { path, ...validation } of rules) {
    const node = schemaNodeAt(copy, path);
    node['x-kubernetes-validations'] = [...(node['x-kubernetes-validations'] ?? []), validation];
  }
  return copy;
}

/** The openAPIV3Schema of a kind: apiVersion, kind, metadata (the API server's), spec and status. */
export function openApiV3SchemaFor(kind: KindDefinition): JsonSchema {
  const root: JsonSchema = {
    type: 'object',
    description: kind.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: `${kind.group}/${kind.version}` },
      kind: { type: 'string', description: kind.kind },
      metadata: { type: 'object' },
      spec: { description: `What the ${kind.kind} should be.`, ...structuralSchema(openApiOf(kind.specSchema), 'spec') },
      status: { description: `What the controller last observed of the ${kind.kind}.`, ...structuralSchema(openApiOf(kind.statusSchema), 'status') },
    },
  };
  return withCelRules(root, kind.celRules);
}

/**
 * Deleting a CRD deletes every object of its kind — every Job's record, every Dataset's history —
 * so GitOps tools must never do it on their own: Argo CD neither prunes a CRD that left the source
 * nor deletes it with its Application (its sync options), and Flux's kustomize-controller never
 * garbage-collects it. Deleting one on purpose is `kubectl delete crd` (docs/gitops.md).
 */
export const gitopsGuards: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

/** The CustomResourceDefinition of a kind: namespaced, one version, status subresource, GitOps guards. */
export function crdFor(kind: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${kind.group}`,
      labels: { 'app.kubernetes.io/name': 'tessera', 'app.kubernetes.io/part-of': 'tessera' },
      annotations: { ...gitopsGuards },
    },
    spec: {
      group: kind.group,
      scope: 'Namespaced',
      names: {
        kind: kind.kind,
        listKind: kind.listKind,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: [...kind.shortNames],
        categories: [...kind.categories],
      },
      versions: [
        {
          name: kind.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [...kind.printerColumns],
          schema: { openAPIV3Schema: openApiV3SchemaFor(kind) },
        },
      ],
    },
  };
}
