import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lateParts, latePartRank, latePartsLast } from '../support/late-parts-order.ts';

describe('lateParts', () => {
  it('is the order scripts/build-parts.sh --late builds them in', () => {
    const script = readFileSync(new URL('../../scripts/build-parts.sh', import.meta.url), 'utf8');
    expect(/--late\) build_lane ([a-z ]+) ;;/.exec(script)?.[1]?.split(' ')).toEqual([...lateParts]);
  });
});

describe('latePartRank', () => {
  it('is 0 for a file that awaits no late part', () => {
    expect(latePartRank("import { helm } from '../support/helm.ts';\nit('x', () => {});")).toBe(0);
  });

  it('follows the build order: health, promtool, minio, kueue, then helm', () => {
    expect(latePartRank("beforeAll(() => awaitLatePart('health'), latePartWaitMs);")).toBe(1);
    expect(latePartRank("beforeAll(() => awaitLatePart('promtool'), latePartWaitMs);")).toBe(2);
    expect(latePartRank("beforeAll(() => awaitLatePart('minio'), latePartWaitMs);")).toBe(3);
    expect(latePartRank("beforeAll(() => awaitLatePart('kueue'), latePartWaitMs);")).toBe(4);
    expect(latePartRank("beforeAll(() => awaitLatePart( 'helm'), latePartWaitMs);")).toBe(5);
  });

  it('takes the latest-built part a file awaits, and ignores names that are no late part', () => {
    expect(latePartRank("awaitLatePart('helm');\nawaitLatePart('health');")).toBe(5);
    expect(latePartRank("awaitLatePart('kubectl');")).toBe(0);
  });
});

describe('latePartsLast', () => {
  it('keeps the files that await nothing first, in their order, then the others by rank, stably', () => {
    const ranks: Record<string, number> = { a: 0, h1: 3, b: 0, p: 2, h2: 3, c: 0, he: 1 };
    expect(latePartsLast(Object.keys(ranks), (name) => ranks[name]!)).toEqual(['a', 'b', 'c', 'he', 'p', 'h1', 'h2']);
  });
});
