import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { crdFor, schemaNodeAt, structuralSchema, withCelRules, type JsonSchema } from './crd.ts';
import { allKinds, type KindDefinition } from './kinds.ts';

// Structural-schema rules the API server enforces (apiextensions "structural schema"), checked on
// every node of every generated CRD, so a schema change that breaks one fails here, not on apply.

/** Short names of built-in resources (and common add-ons) a Tessera kind must never take. */
const builtInShortNames = [
  'cm', 'cs', 'ds', 'ep', 'ev', 'hpa', 'ing', 'ip', 'limits', 'no', 'ns', 'po', 'pv', 'pvc', 'quota', 'rc', 'rs', 'sa', 'svc',
  'sts', 'deploy', 'pdb', 'psp', 'netpol', 'sc', 'crd', 'crds', 'csr', 'pc', 'cj', 'job', 'jobs', 'vac', 'wl', 'cq', 'lq',
];

const allowedKeys = new Set([
  'type', 'format', 'title', 'description', 'default', 'example', 'enum', 'nullable',
  'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'multipleOf',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'maxProperties', 'minProperties',
  'required', 'items', 'properties', 'additionalProperties', 'anyOf',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);

interface Visit {
  path: string;
  node: JsonSchema;
}

/** Every schema node with its path (`spec.tasks[].inputs[]`, `spec.nodeSelector{}`). */
function walk(node: JsonSchema, path = ''): Visit[] {
  const children: Visit[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) children.push(...walk(child, path ? `${path}.${name}` : name));
  if (node.items) children.push(...walk(node.items, `${path}[]`));
  if (typeof node.additionalProperties === 'object') children.push(...walk(node.additionalProperties, `${path}{}`));
  return [{ path, node }, ...children];
}

function schemaOf(kind: KindDefinition): JsonSchema {
  const version = crdFor(kind).spec.versions[0];
  if (!version) throw new Error(`${kind.kind} has no version`);
  return version.schema.openAPIV3Schema;
}

const isIntOrString = (node: JsonSchema): boolean => node['x-kubernetes-int-or-string'] === true;

/** One structural rule each: a problem's description, or undefined when the node keeps the rule. */
const structuralRules: Array<(node: JsonSchema) => string | undefined> = [
  (node) => (node.type || isIntOrString(node) || node['x-kubernetes-preserve-unknown-fields'] === true ? undefined : 'no type'),
  (node) => Object.keys(node).filter((key) => !allowedKeys.has(key)).map((key) => `key ${key}`).join(', ') || undefined,
  (node) => (node.anyOf && !isIntOrString(node) ? 'anyOf outside int-or-string' : undefined),
  (node) =>
    isIntOrString(node) && JSON.stringify(node.anyOf) !== JSON.stringify([{ type: 'integer' }, { type: 'string' }]) ? 'int-or-string anyOf' : undefined,
  (node) => (isIntOrString(node) && node.type ? 'int-or-string with a type' : undefined),
  (node) => (node.properties && node.additionalProperties !== undefined ? 'additionalProperties beside properties' : undefined),
  (node) => (node.required ?? []).filter((name) => !node.properties?.[name]).map((name) => `required ${name} is not a property`).join(', ') || undefined,
];

/** The structural problems of one node; empty when it is fine. */
function structuralProblems(node: JsonSchema): string[] {
  return structuralRules.map((rule) => rule(node)).filter((problem) => problem !== undefined);
}

function listMapProblems(node: JsonSchema): string[] {
  if (node['x-kubernetes-list-type'] !== 'map') return [];
  const keys = node['x-kubernetes-list-map-keys'] as string[] | undefined;
  const required = node.items?.required ?? [];
  if (!keys?.length) return ['list-type map without keys'];
  return keys.filter((key) => !required.includes(key)).map((key) => `map key ${key} is not required`);
}

/** Resolves a printer column's simple JSONPath (`.spec.resources.gpu`) in the schema. */
function nodeForColumn(root: JsonSchema, jsonPath: string): JsonSchema | undefined {
  const simple = jsonPath.replace(/\[\?\(.*?\)\]/g, '[]').replace(/^\./, '');
  let node: JsonSchema | undefined = root;
  for (const segment of simple.split('.')) {
    node = segment.endsWith('[]') ? node?.properties?.[segment.slice(0, -2)]?.items : node?.properties?.[segment];
  }
  return node;
}

describe.each(allKinds.map((kind) => [kind.kind, kind] as const))('the %s CRD', (_name, kind) => {
  const crd = crdFor(kind);
  const schema = schemaOf(kind);
  const nodes = walk(schema);

  it('is structural at every node', () => {
    const problems = nodes.flatMap(({ path, node }) => structuralProblems(node).map((p) => `${path || '<root>'}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('keys every list-type map on required fields', () => {
    expect(nodes.flatMap(({ path, node }) => listMapProblems(node).map((p) => `${path}: ${p}`))).toEqual([]);
  });

  it('has the envelope the API server requires, with metadata left to it', () => {
    expect(Object.keys(schema.properties ?? {})).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(schema.properties?.metadata).toEqual({ type: 'object' });
    expect(crd.metadata.name).toBe(`${kind.plural}.tessera.dev`);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
  });

  it('is in the tessera category with short names no built-in uses', () => {
    expect(crd.spec.names.categories).toContain('tessera');
    expect(crd.spec.names.shortNames.filter((s) => builtInShortNames.includes(s))).toEqual([]);
  });

  it('makes every quantity int-or-string with the quantity pattern', () => {
    const quantities = nodes.filter(({ path }) => /resources\.(cpu|memory)$/.test(path));
    for (const { path, node } of quantities) {
      expect(node['x-kubernetes-int-or-string'], path).toBe(true);
      expect(node.pattern, path).toMatch(/\[KMGTPE\]i/);
      expect(node.minimum, path).toBe(0);
    }
  });

  it('makes every conditions list a map keyed by type', () => {
    const conditions = nodes.filter(({ path }) => path.endsWith('.conditions'));
    expect(conditions.map(({ path }) => path)).toEqual(['status.conditions']);
    for (const { node } of conditions) {
      expect(node).toMatchObject({ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
      expect(node.items?.required).toEqual(expect.arrayContaining(['type', 'status', 'reason', 'message', 'lastTransitionTime']));
    }
  });

  it('shows printer columns that name fields of the schema', () => {
    const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    const missing = columns.filter((c) => !c.jsonPath.startsWith('.metadata.') && !nodeForColumn(schema, c.jsonPath));
    expect(missing).toEqual([]);
    expect(columns.at(-1)?.name).toBe('Age');
  });

  it('bounds every list a CEL rule iterates over, so the cost estimate stays finite', () => {
    const iterated = kind.celRules.filter((r) => r.path.includes('[]')).map((r) => r.path);
    for (const path of iterated) {
      const segments = path.split('.');
      for (let i = 0; i < segments.length; i++) {
        if (!segments[i]?.endsWith('[]')) continue;
        const list = schemaNodeAt(schema, segments.slice(0, i + 1).join('.').replace(/\[\]$/, ''));
        expect(list.maxItems, `${path} at ${segments[i]}`).toBeTypeOf('number');
      }
    }
  });
});

describe('the Job CRD', () => {
  const job = allKinds.find((k) => k.kind === 'Job');
  const schema = job ? schemaOf(job) : {};

  it('requires exactly one of image and algoRef in CEL', () => {
    expect(schemaNodeAt(schema, 'spec')['x-kubernetes-validations']).toContainEqual(
      expect.objectContaining({ rule: 'has(self.image) != has(self.algoRef)' }),
    );
  });

  it('defaults retries to 0 and bounds GPUs', () => {
    expect(schemaNodeAt(schema, 'spec.retries')).toMatchObject({ type: 'integer', default: 0, minimum: 0, maximum: 20 });
    expect(schemaNodeAt(schema, 'spec.resources.gpu')).toEqual(expect.objectContaining({ type: 'integer', minimum: 0, maximum: 64 }));
  });

  it('checks timestamps by format, without zod\'s own regex', () => {
    expect(schemaNodeAt(schema, 'status.startTime')).toEqual({ type: 'string', format: 'date-time' });
  });
});

describe('structuralSchema', () => {
  const openApi = (schema: z.ZodType): JsonSchema =>
    z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', reused: 'inline' }) as JsonSchema;

  it('turns const into enum and drops zod\'s safe-integer bounds', () => {
    const out = structuralSchema(openApi(z.object({ kind: z.literal('Job'), n: z.int() })));
    expect(out.properties).toEqual({ kind: { type: 'string', enum: ['Job'] }, n: { type: 'integer' } });
  });

  it('drops additionalProperties beside properties, and keeps a loose object open', () => {
    expect(structuralSchema(openApi(z.strictObject({ a: z.string() })))).not.toHaveProperty('additionalProperties');
    expect(structuralSchema(openApi(z.looseObject({ a: z.string() })))).toMatchObject({ 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('keeps a map as additionalProperties', () => {
    expect(structuralSchema(openApi(z.record(z.string(), z.int())))).toEqual({ type: 'object', additionalProperties: { type: 'integer' } });
  });

  it('refuses a union, naming where it is', () => {
    const schema = z.object({ source: z.union([z.object({ url: z.string() }), z.object({ digest: z.string() })]) });
    expect(() => structuralSchema(openApi(schema), 'spec')).toThrow(/spec\.source: a union is not structural/);
  });

  it('refuses a node without a type', () => {
    expect(() => structuralSchema(openApi(z.object({ anything: z.unknown() })))).toThrow(/anything: every node needs a type/);
  });

  it('refuses $ref', () => {
    expect(() => structuralSchema({ type: 'object', properties: { a: { $ref: '#/$defs/A' } } })).toThrow(/\$ref/);
  });
});

describe('withCelRules', () => {
  const root: JsonSchema = { type: 'object', properties: { spec: { type: 'object', properties: { xs: { type: 'array', items: { type: 'object' } } } } } };

  it('puts each rule on the node its path names, leaving the input alone', () => {
    const out = withCelRules(root, [{ path: 'spec.xs[]', rule: 'self.a', message: 'm' }]);
    expect(schemaNodeAt(out, 'spec.xs[]')['x-kubernetes-validations']).toEqual([{ rule: 'self.a', message: 'm' }]);
    expect(schemaNodeAt(root, 'spec.xs[]')['x-kubernetes-validations']).toBeUndefined();
  });

  it('refuses a path the schema does not have', () => {
    expect(() => withCelRules(root, [{ path: 'spec.ys', rule: 'true', message: 'm' }])).toThrow(/no property ys/);
  });
});
