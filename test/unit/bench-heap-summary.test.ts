import { describe, expect, it } from 'vitest';
import { summarizeHeap, type HeapSnapshot } from '../../scripts/bench/heap-summary.ts';

// A snapshot as V8 writes it: nodes flattened by node_fields, names as indexes into strings.
const heap: HeapSnapshot = {
  snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'object', 'string', 'code']] } },
  strings: ['Job', 'Pod', 'hello', 'f'],
  nodes: [
    1, 0, 1, 100, 0, // a Job, 100 bytes
    1, 0, 3, 50, 0, // another Job
    1, 1, 5, 400, 0, // a Pod
    2, 2, 7, 30, 0, // a string: counted by type, whatever it says
    3, 3, 9, 500, 0, // code
  ],
};

describe("the bench's heap snapshot summary", () => {
  it('adds self sizes by constructor, strings and code by type, largest first', () => {
    expect(summarizeHeap(heap)).toEqual([
      { kind: '(code)', count: 1, bytes: 500 },
      { kind: 'Pod', count: 1, bytes: 400 },
      { kind: 'Job', count: 2, bytes: 150 },
      { kind: '(string)', count: 1, bytes: 30 },
    ]);
  });

  it('keeps the largest `top`', () => {
    expect(summarizeHeap(heap, 2).map((r) => r.kind)).toEqual(['(code)', 'Pod']);
  });
});
