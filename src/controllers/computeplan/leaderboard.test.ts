import { describe, expect, it } from 'vitest';
import type { Performance } from '../../api/computeplan.ts';
import { makeTask, taskJob } from '../../../test/support/plan-builders.ts';
import { bestOf, leaderboard, lowerIsBetter, metricShares, performanceRows } from './leaderboard.ts';

const row = (task: string, metric: string, value: number): Performance => ({ task, metric, value });

describe('performanceRows', () => {
  it('makes a row per metric of each task, with its namespace and round', () => {
    const scored = [
      { task: makeTask('r2-test-0').round(2).obj(), job: taskJob('r2-test-0', 'org-b').succeeded().metrics({ accuracy: 0.9, f1: 0.8 }).obj() },
      { task: makeTask('train').obj(), job: taskJob('train').succeeded().obj() },
    ];
    expect(performanceRows(scored)).toEqual([
      { task: 'r2-test-0', namespace: 'org-b', round: 2, metric: 'accuracy', value: 0.9 },
      { task: 'r2-test-0', namespace: 'org-b', round: 2, metric: 'f1', value: 0.8 },
    ]);
  });
});

describe('leaderboard', () => {
  it('groups by metric, best value first, ties by task', () => {
    const rows = [row('t1', 'f1', 0.5), row('t2', 'accuracy', 0.7), row('t3', 'accuracy', 0.9), row('t0', 'accuracy', 0.7)];
    expect(leaderboard(rows)).toEqual([row('t3', 'accuracy', 0.9), row('t0', 'accuracy', 0.7), row('t2', 'accuracy', 0.7), row('t1', 'f1', 0.5)]);
  });

  it('keeps the best of each metric when it must cut', () => {
    const rows = [...Array(10).keys()].flatMap((i) => [row(`t${i}`, 'accuracy', i), row(`t${i}`, 'f1', -i)]);
    const board = leaderboard(rows, 4);
    expect(board.map((r) => `${r.metric}:${r.task}`)).toEqual(['accuracy:t9', 'accuracy:t8', 'f1:t0', 'f1:t1']);
  });
});

describe('metricShares', () => {
  it.each([
    { name: 'room for all', sizes: { a: 2, b: 3 }, max: 10, want: { a: 2, b: 3 } },
    { name: 'equal shares', sizes: { a: 10, b: 10 }, max: 6, want: { a: 3, b: 3 } },
    { name: 'a small metric leaves its share to others', sizes: { a: 1, b: 10, c: 10 }, max: 9, want: { a: 1, b: 4, c: 4 } },
  ])('$name', ({ sizes, max, want }) => {
    expect(Object.fromEntries(metricShares(new Map(Object.entries(sizes)), max))).toEqual(want);
  });
});

describe('bestOf', () => {
  it.each([
    { board: [], want: undefined },
    { board: [row('r3-test-0', 'accuracy', 0.912345)], want: 'accuracy=0.9123 (r3-test-0)' },
    { board: [row('t', 'reward', 1234567)], want: 'reward=1235000 (t)' },
  ])('$want', ({ board, want }) => {
    expect(bestOf(board)).toBe(want);
  });
});

describe('lowerIsBetter', () => {
  it.each([
    ['accuracy', false],
    ['auc', false],
    ['loss', true],
    ['loss.train', true],
    ['val_loss', true],
    ['error_rate', true],
    ['rmse', true],
    ['f1', false],
    ['glossary', false],
  ])('%s → %s', (metric, want) => {
    expect(lowerIsBetter(metric)).toBe(want);
  });

  it('ranks a loss lowest first', () => {
    const rows = [0.5, 0.2, 0.9].map((value, i) => ({ task: `t${i}`, metric: 'loss', value }));
    expect(leaderboard(rows).map((r) => r.value)).toEqual([0.2, 0.5, 0.9]);
  });
});
