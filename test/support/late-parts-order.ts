// Which late part a test file waits for, read from its source: the sequencer runs the files that wait
// last, in the order scripts/build-parts.sh --late builds the parts, so each waits as little as it can.

/** The late parts, in the order `build-parts.sh --late` builds them (keep the two lists the same). */
export const lateParts = ['health', 'promtool', 'minio', 'kueue', 'helm'] as const;
export type LatePart = (typeof lateParts)[number];

const awaitCall = /\bawaitLatePart\(\s*'([a-z]+)'/g;

/**
 * 0 for a file that awaits no late part; otherwise 1 + the build position of the latest part it awaits
 * (a file awaiting promtool runs after one awaiting health, before one awaiting helm).
 */
export function latePartRank(source: string): number {
  let rank = 0;
  for (const [, part] of source.matchAll(awaitCall)) {
    const position = lateParts.indexOf(part as LatePart);
    if (position >= 0) rank = Math.max(rank, position + 1);
  }
  return rank;
}

/** `items` with those of rank 0 first, keeping their order, then the others by rank (stable). */
export function latePartsLast<T>(items: readonly T[], rankOf: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index, rank: rankOf(item) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ item }) => item);
}
