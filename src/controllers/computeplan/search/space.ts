import { createHash } from 'node:crypto';
import type { Dimension, ParamValue, Params, Search } from '../../../api/search.ts';

// Points of a search space: random draws and the grid. Trial n's parameters are a function of the
// space, the seed and n alone — never of the trials before it — so a plan that lost its status, or
// a reconcile repeated after a crash, draws the same trial n again. Pure.

/** Significant digits kept of a drawn number: enough to tell draws apart, short in status and env. */
const significantDigits = 6;

/**
 * A number in [0, 1) for draw `dimension` of trial `trial` under `seed`: the first 48 bits of
 * SHA-256 over the three, so every dimension of every trial is an independent, reproducible draw.
 */
export function unitDraw(seed: number, trial: number, dimension: string): number {
  const digest = createHash('sha256').update(`${seed}/${trial}/${dimension}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** A drawn number rounded for people, kept inside [min, max] (rounding could step out). */
function rounded(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Number(value.toPrecision(significantDigits))));
}

/** Dimension `dim` at the point `u` of [0, 1): evenly, or evenly on a log scale. */
export function valueAt(dim: Dimension, u: number): ParamValue {
  if (dim.choice) return dim.choice[Math.min(dim.choice.length - 1, Math.floor(u * dim.choice.length))]!;
  if (dim.int) return dim.int.min + Math.min(dim.int.max - dim.int.min, Math.floor(u * (dim.int.max - dim.int.min + 1)));
  if (dim.uniform) return rounded(dim.uniform.min + u * (dim.uniform.max - dim.uniform.min), dim.uniform.min, dim.uniform.max);
  const { min, max } = dim.logUniform!;
  return rounded(Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))), min, max);
}

/** The space's parameter names in a fixed order (sorted), so draws do not depend on YAML key order. */
export function dimensionNames(space: Search['space']): string[] {
  return Object.keys(space).sort();
}

/** Trial `trial`'s parameters, drawn at random under `seed`. */
export function randomPoint(space: Search['space'], seed: number, trial: number): Params {
  return Object.fromEntries(dimensionNames(space).map((name) => [name, valueAt(space[name]!, unitDraw(seed, trial, name))]));
}

/**
 * The grid's values of one dimension: every choice, every integer, and `points` evenly spaced
 * values (log-spaced for logUniform) from min to max, both included.
 */
export function gridValues(dim: Dimension, points: number): ParamValue[] {
  if (dim.choice) return [...dim.choice];
  if (dim.int) return Array.from({ length: dim.int.max - dim.int.min + 1 }, (_, i) => dim.int!.min + i);
  const { max } = (dim.uniform ?? dim.logUniform)!;
  return Array.from({ length: points }, (_, i) => (i === points - 1 ? max : valueAt(dim, i / (points - 1))));
}

/** How many points the grid has (at most Number.MAX_SAFE_INTEGER). */
export function gridSize(space: Search['space'], points: number): number {
  let size = 1;
  for (const name of dimensionNames(space)) size = Math.min(Number.MAX_SAFE_INTEGER, size * gridValues(space[name]!, points).length);
  return size;
}

/**
 * Point `index` of the grid, counting as an odometer over the sorted names: the last name turns
 * fastest. Undefined past the grid's end.
 */
export function gridPoint(space: Search['space'], points: number, index: number): Params | undefined {
  if (index >= gridSize(space, points)) return undefined;
  const names = dimensionNames(space);
  const params: Params = {};
  let rest = index;
  for (const name of [...names].reverse()) {
    const values = gridValues(space[name]!, points);
    params[name] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  return Object.fromEntries(names.map((name) => [name, params[name]!]));
}

/** The parameters of trial `trial` under the search's algorithm; undefined when a grid is used up. */
export function trialPoint(search: Pick<Search, 'space' | 'algorithm'>, trial: number): Params | undefined {
  const { algorithm, space } = search;
  if (algorithm.grid) return gridPoint(space, algorithm.grid.points ?? 3, trial);
  const seed = algorithm.random?.seed ?? algorithm.asha?.seed ?? 0;
  return randomPoint(space, seed, trial);
}

/** How many distinct trials the algorithm can start: a grid's size, else unbounded. */
export function pointCount(search: Pick<Search, 'space' | 'algorithm'>): number {
  return search.algorithm.grid ? gridSize(search.space, search.algorithm.grid.points ?? 3) : Infinity;
}
