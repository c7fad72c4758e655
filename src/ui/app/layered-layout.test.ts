import { describe, expect, it } from 'vitest';
import { layeredLayout } from './layered-layout.ts';

const spacing = { width: 100, height: 20, nodesep: 10, ranksep: 50, margin: 0 };

describe('the layered layout', () => {
  it('puts each task in the column of its rank, right of everything it reads', () => {
    // 0 → 2, 1 → 2, 2 → 3
    const layout = layeredLayout([0, 0, 1, 2], [[0, 2], [1, 2], [2, 3]], spacing);
    expect(layout.points.map((p) => p.x)).toEqual([50, 50, 200, 350]);
    for (const edge of layout.edges) expect(edge.points[0]!.x).toBeLessThan(edge.points[1]!.x);
    expect(layout).toMatchObject({ width: 450, height: 60 });
  });

  it("orders a column by the mean row of each task's parents, so lines cross less", () => {
    // Column 1 lists 3 (reads task 1, lower) before 2 (reads task 0, upper): they swap.
    const layout = layeredLayout([0, 0, 1, 1], [[0, 3], [1, 2]], spacing);
    expect(layout.points[3]!.y).toBeLessThan(layout.points[2]!.y);
  });
});
