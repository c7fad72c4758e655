import * as dagreModule from '@dagrejs/dagre';
import { Graph } from '@dagrejs/graphlib';
import { layeredLayout } from './layered-layout.ts';

// Where each task of a plan is drawn: dagre's layered layout, left to right, so a task stands to
// the right of everything it reads and a federated plan's rounds read as columns. Dagre's default
// ranker (network simplex) is quadratic on large plans; the longest-path ranker is linear and
// gives the same columns for the layered plans strategies expand into.

interface Box { width: number; height: number; x: number; y: number }
type LayoutGraph = Graph<{ width?: number; height?: number; [option: string]: unknown }, Box, { points?: Array<{ x: number; y: number }> }>;

// dagre's published declarations import their own files without extensions, which Node's module
// resolution (tsconfig: nodenext) cannot follow: its one function is typed here instead.
const dagre = dagreModule as unknown as { layout(graph: LayoutGraph): void };

/** The size of a task's box. */
export const nodeSize = { width: 150, height: 28 };

const spacing = { nodesep: 8, ranksep: 60 };

/** Node centres by index, edge polylines, and the drawing's size. */
export interface DagLayout {
  points: Array<{ x: number; y: number }>;
  edges: Array<{ from: number; to: number; points: Array<{ x: number; y: number }> }>;
  width: number;
  height: number;
}

/**
 * The most tasks dagre lays out: its crossing minimisation grows much faster than the graph. In
 * chromium on the 2-core machine (`npm run bench -- ui T R`), fedAvg plans of 200, 440 and 5,000
 * tasks took 0.95 s, 1.8 s and 50 s; larger plans get the linear layout of layered-layout.ts
 * (5,000 tasks: under 0.1 s).
 */
export const dagreLimit = 100;

/** Lays out `count` nodes and `edges` ([parent, child] by index), with dagre. */
export function dagreLayout(count: number, edges: ReadonlyArray<readonly [number, number]>): DagLayout {
  const graph: LayoutGraph = new Graph();
  graph.setGraph({ rankdir: 'LR', ...spacing, marginx: 10, marginy: 30, ranker: 'longest-path' });
  graph.setDefaultEdgeLabel(() => ({}));
  for (let i = 0; i < count; i++) graph.setNode(String(i), { ...nodeSize, x: 0, y: 0 });
  for (const [from, to] of edges) graph.setEdge(String(from), String(to));
  dagre.layout(graph);
  const points = Array.from({ length: count }, (_, i) => {
    const node = graph.node(String(i));
    return { x: node.x, y: node.y };
  });
  const laid = edges.map(([from, to]) => ({ from, to, points: graph.edge(String(from), String(to))?.points ?? [] }));
  const label = graph.graph();
  return { points, edges: laid, width: label.width ?? 0, height: label.height ?? 0 };
}

/** The plan's layout: dagre's up to dagreLimit tasks, the layered one beyond. */
export function layoutDag(ranks: readonly number[], edges: ReadonlyArray<readonly [number, number]>): DagLayout & { by: 'dagre' | 'layered' } {
  if (ranks.length <= dagreLimit) return { ...dagreLayout(ranks.length, edges), by: 'dagre' };
  return { ...layeredLayout(ranks, edges, { ...nodeSize, ...spacing, margin: 30 }), by: 'layered' };
}
