import { describe, expect, it } from 'vitest';
import type { Search } from '../../../api/search.ts';
import { gridPoint, gridSize, gridValues, pointCount, randomPoint, trialPoint, unitDraw, valueAt } from './space.ts';

const space: Search['space'] = {
  lr: { logUniform: { min: 1e-4, max: 1e-1 } },
  layers: { int: { min: 1, max: 4 } },
  optimizer: { choice: ['adam', 'sgd', true, 0.5] },
  dropout: { uniform: { min: 0, max: 0.5 } },
};

describe('random draws', () => {
  const draws = Array.from({ length: 2000 }, (_, n) => randomPoint(space, 7, n));

  it('keep every parameter in its range, ints whole, choices among the values', () => {
    for (const p of draws) {
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(p.layers) && (p.layers as number) >= 1 && (p.layers as number) <= 4).toBe(true);
      expect(['adam', 'sgd', true, 0.5]).toContain(p.optimizer);
      expect(p.dropout).toBeGreaterThanOrEqual(0);
      expect(p.dropout).toBeLessThanOrEqual(0.5);
    }
  });

  it('cover every integer and every choice', () => {
    expect(new Set(draws.map((p) => p.layers))).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(draws.map((p) => p.optimizer))).toEqual(new Set(['adam', 'sgd', true, 0.5]));
  });

  it('draw logUniform evenly on a log scale: each decade gets about a third', () => {
    const decades = [1e-4, 1e-3, 1e-2, 1e-1].slice(0, 3).map((low) => draws.filter((p) => (p.lr as number) >= low && (p.lr as number) < low * 10).length / draws.length);
    for (const share of decades) expect(share).toBeGreaterThan(0.28);
    for (const share of decades) expect(share).toBeLessThan(0.39);
  });

  it('draw uniform evenly: about half below the middle', () => {
    const below = draws.filter((p) => (p.dropout as number) < 0.25).length / draws.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
  });

  it('are the same for the same seed and trial, whatever came before, and differ with the seed', () => {
    expect(randomPoint(space, 7, 41)).toEqual(draws[41]);
    expect(randomPoint(space, 8, 41)).not.toEqual(draws[41]);
    expect(unitDraw(7, 3, 'lr')).toBe(unitDraw(7, 3, 'lr'));
  });

  it('do not depend on the order the space lists its parameters in', () => {
    const reversed = Object.fromEntries(Object.entries(space).reverse());
    expect(randomPoint(reversed, 7, 5)).toEqual(randomPoint(space, 7, 5));
  });

  it('map the ends of [0, 1) to the ends of each range', () => {
    expect(valueAt({ int: { min: 3, max: 5 } }, 0.9999999)).toBe(5);
    expect(valueAt({ logUniform: { min: 0.001, max: 1 } }, 0.5)).toBeCloseTo(Math.sqrt(0.001), 6);
    expect(valueAt({ choice: ['a', 'b'] }, 0)).toBe('a');
  });
});

describe('the grid', () => {
  const small: Search['space'] = { b: { choice: ['x', 'y'] }, a: { int: { min: 1, max: 3 } }, c: { uniform: { min: 0, max: 1 } } };

  it('takes every choice, every integer and `points` values from min to max of a range', () => {
    expect(gridValues({ int: { min: -1, max: 2 } }, 3)).toEqual([-1, 0, 1, 2]);
    expect(gridValues({ uniform: { min: 0, max: 1 } }, 3)).toEqual([0, 0.5, 1]);
    expect(gridValues({ logUniform: { min: 0.01, max: 1 } }, 3)).toEqual([0.01, 0.1, 1]);
  });

  it('enumerates the whole space once, as an odometer over the sorted names', () => {
    expect(gridSize(small, 2)).toBe(12);
    const points = Array.from({ length: 12 }, (_, i) => gridPoint(small, 2, i)!);
    expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(12);
    expect(points.slice(0, 3)).toEqual([{ a: 1, b: 'x', c: 0 }, { a: 1, b: 'x', c: 1 }, { a: 1, b: 'y', c: 0 }]);
    expect(points[11]).toEqual({ a: 3, b: 'y', c: 1 });
    expect(gridPoint(small, 2, 12)).toBeUndefined();
  });

  it('bounds what a grid search can start; random draws are unbounded', () => {
    expect(pointCount({ space: small, algorithm: { grid: { points: 2 } } })).toBe(12);
    expect(pointCount({ space: small, algorithm: { random: {} } })).toBe(Infinity);
    expect(trialPoint({ space: small, algorithm: { grid: {} } }, 0)).toEqual({ a: 1, b: 'x', c: 0 });
    expect(trialPoint({ space: small, algorithm: { asha: { seed: 3, minResource: 1, maxResource: 9 } } }, 2)).toEqual(randomPoint(small, 3, 2));
  });
});
