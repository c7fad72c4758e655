import { describe, expect, it } from 'vitest';
import { boundedList, cycleText } from './messages.ts';

const letters = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${i}`);

describe('boundedList', () => {
  it.each([
    { items: [], max: 3, want: '' },
    { items: letters(3), max: 3, want: 't0, t1, t2' },
    { items: letters(5), max: 3, want: 't0, t1, t2 and 2 more' },
  ])('$items.length items, at most $max → $want', ({ items, max, want }) => {
    expect(boundedList(items, max)).toBe(want);
  });
});

describe('cycleText', () => {
  it.each([
    { cycle: ['a', 'a'], want: 'a -> a' },
    { cycle: ['a', 'b', 'a'], want: 'a -> b -> a' },
    { cycle: [...letters(6), 't0'], max: 4, want: 't0 -> t1 -> t2 -> … (3 more) -> t0' },
  ])('$want', ({ cycle, max, want }) => {
    expect(cycleText(cycle, max)).toBe(want);
  });
});
