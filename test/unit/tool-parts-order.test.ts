import { describe, expect, it } from 'vitest';
import { toolRank, toolsLast } from '../support/tool-parts-order.ts';

describe('toolRank', () => {
  it('is 0 for a file that awaits no tool part', () => {
    expect(toolRank("import { helm } from '../support/helm.ts';\nit('x', () => {});")).toBe(0);
  });

  it('follows the build order: health, then promtool, then helm', () => {
    expect(toolRank("beforeAll(() => awaitToolPart('health'), toolWaitMs);")).toBe(1);
    expect(toolRank("beforeAll(() => awaitToolPart('promtool'), toolWaitMs);")).toBe(2);
    expect(toolRank("beforeAll(() => awaitToolPart( 'helm'), toolWaitMs);")).toBe(3);
  });

  it('takes the latest-built part a file awaits, and ignores names that are no tool part', () => {
    expect(toolRank("awaitToolPart('helm');\nawaitToolPart('health');")).toBe(3);
    expect(toolRank("awaitToolPart('kubectl');")).toBe(0);
  });
});

describe('toolsLast', () => {
  it('keeps the files that await nothing first, in their order, then the others by rank, stably', () => {
    const ranks: Record<string, number> = { a: 0, h1: 3, b: 0, p: 2, h2: 3, c: 0, he: 1 };
    expect(toolsLast(Object.keys(ranks), (name) => ranks[name]!)).toEqual(['a', 'b', 'c', 'he', 'p', 'h1', 'h2']);
  });
});
