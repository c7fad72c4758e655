// Which tool part a test file waits for, read from its source: the sequencer runs the files that wait
// last, in the order scripts/build-parts.sh --tools builds the parts, so each waits as little as it can.

/** The tool parts, in the order `build-parts.sh --tools` builds them. */
export const toolParts = ['health', 'promtool', 'helm'] as const;
export type ToolPart = (typeof toolParts)[number];

const awaitCall = /\bawaitToolPart\(\s*'([a-z]+)'/g;

/**
 * 0 for a file that awaits no tool part; otherwise 1 + the build position of the latest part it awaits
 * (a file awaiting promtool runs after one awaiting health, before one awaiting helm).
 */
export function toolRank(source: string): number {
  let rank = 0;
  for (const [, part] of source.matchAll(awaitCall)) {
    const position = toolParts.indexOf(part as ToolPart);
    if (position >= 0) rank = Math.max(rank, position + 1);
  }
  return rank;
}

/** `items` with those of rank 0 first, keeping their order, then the others by rank (stable). */
export function toolsLast<T>(items: readonly T[], rankOf: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index, rank: rankOf(item) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ item }) => item);
}
