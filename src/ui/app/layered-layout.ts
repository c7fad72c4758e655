import type { DagLayout } from './dag-layout.ts';

// A layered layout in O(tasks + edges + tasks·log tasks) for plans too large for dagre: a task's
// column is its rank (the longest path to it, which the server computes with the plan's order), so
// it stands to the right of everything it reads; within a column, tasks sit in the order of the
// mean row of their parents (one barycentre sweep), ties in plan order. Pure.

/** Box size and spacing, as dagre is given them. */
export interface Spacing {
  width: number;
  height: number;
  nodesep: number;
  ranksep: number;
  margin: number;
}

function columnsOf(ranks: readonly number[]): number[][] {
  const columns: number[][] = [];
  ranks.forEach((rank, i) => (columns[rank] ??= []).push(i));
  return columns.map((c) => c ?? []);
}

/** Lays out tasks by `ranks` (per task), `edges` ([parent, child] by index). */
export function layeredLayout(ranks: readonly number[], edges: ReadonlyArray<readonly [number, number]>, s: Spacing): DagLayout {
  const parents: number[][] = ranks.map(() => []);
  for (const [from, to] of edges) parents[to]!.push(from);
  const row = new Array<number>(ranks.length).fill(0);
  const columns = columnsOf(ranks);
  for (const column of columns) {
    const weight = (i: number): number => (parents[i]!.length === 0 ? row[i]! : parents[i]!.reduce((sum, p) => sum + row[p]!, 0) / parents[i]!.length);
    const keyed = column.map((i, order) => ({ i, key: parents[i]!.length === 0 ? order : weight(i), order }));
    keyed.sort((a, b) => a.key - b.key || a.order - b.order);
    keyed.forEach(({ i }, r) => { row[i] = r; });
  }
  const points = ranks.map((rank, i) => ({ x: s.margin + rank * (s.width + s.ranksep) + s.width / 2, y: s.margin + row[i]! * (s.height + s.nodesep) + s.height / 2 }));
  const laid = edges.map(([from, to]) => ({ from, to, points: [{ x: points[from]!.x + s.width / 2, y: points[from]!.y }, { x: points[to]!.x - s.width / 2, y: points[to]!.y }] }));
  const tallest = Math.max(0, ...columns.map((c) => c.length));
  return { points, edges: laid, width: 2 * s.margin + columns.length * (s.width + s.ranksep), height: 2 * s.margin + tallest * (s.height + s.nodesep) };
}
