import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import { z } from 'zod';
import { chartValuesSchema, defaultChartValues } from './values.ts';

// Pure renderings of the chart's values schema: values.schema.json (JSON Schema draft-07, which every
// Helm 3 and 4 validates) and values.yaml (the defaults, each key under its description).

/** A JSON Schema node, as zod writes it. */
interface SchemaNode {
  [key: string]: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
}

/** zod gives every `z.int()` these bounds; in a values schema they are noise. */
const safeIntegerBounds = new Set([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);

function isNoise(key: string, value: unknown): boolean {
  if (key.startsWith('x-kubernetes-')) return true;
  return (key === 'minimum' || key === 'maximum') && safeIntegerBounds.has(value as number);
}

function clean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clean);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([key, value]) => !isNoise(key, value));
  return Object.fromEntries(entries.map(([key, value]) => [key, clean(value)]));
}

/** The values' JSON Schema (input side: a key with a default may be left out). */
export function valuesJsonSchema(): SchemaNode {
  const schema = z.toJSONSchema(chartValuesSchema, { target: 'draft-07', io: 'input' }) as SchemaNode;
  return { ...(clean(schema) as SchemaNode), title: 'Values of the tessera chart' };
}

/** values.schema.json's text. */
export function renderValuesSchema(header: string): string {
  // JSON has no comments: the header goes into $comment.
  return `${JSON.stringify({ $comment: header, ...valuesJsonSchema() }, null, 2)}\n`;
}

/** Puts each key's description above it, recursing into nested maps. */
function annotate(map: YAMLMap, schema: SchemaNode | undefined, topLevel: boolean): void {
  for (const [index, pair] of map.items.entries()) {
    if (!isScalar(pair.key)) continue;
    const child = schema?.properties?.[String(pair.key.value)];
    if (child?.description) pair.key.commentBefore = ` ${child.description}`;
    // A blank line between top-level keys, except under the header.
    if (topLevel && index > 0) pair.key.spaceBefore = true;
    if (isMap(pair.value)) annotate(pair.value, child, false);
  }
}

/** values.yaml's text: every default, commented from the schema's descriptions. */
export function renderValuesYaml(header: string): string {
  const doc = new Document(defaultChartValues());
  if (isMap(doc.contents)) annotate(doc.contents, valuesJsonSchema(), true);
  doc.commentBefore = ` ${header.trim()}`;
  return doc.toString({ lineWidth: 0 });
}
