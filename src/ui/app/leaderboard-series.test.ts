import { describe, expect, it } from 'vitest';
import { bestRows, metricSeries } from './leaderboard-series.ts';

describe('the leaderboard lines', () => {
  const rows = [
    { task: 'r2-test-1', namespace: 'org-c', metric: 'accuracy', round: 2, value: 0.71 },
    { task: 'r2-test-0', namespace: 'org-b', metric: 'accuracy', round: 2, value: 0.7 },
    { task: 'r1-test-1', namespace: 'org-c', metric: 'accuracy', round: 1, value: 0.61 },
    { task: 'r1-test-0', namespace: 'org-b', metric: 'loss', round: 1, value: 0.3 },
  ];

  it('puts rounds on x and one line per organization, null where it was not tested', () => {
    expect(metricSeries(rows)).toEqual([
      { metric: 'accuracy', rounds: [1, 2], lines: [{ label: 'org-b', values: [null, 0.7] }, { label: 'org-c', values: [0.61, 0.71] }] },
      { metric: 'loss', rounds: [1], lines: [{ label: 'org-b', values: [0.3] }] },
    ]);
  });

  it('marks the first row of each metric as its best', () => {
    expect([...bestRows(rows)].map((r) => r.task)).toEqual(['r2-test-1', 'r1-test-0']);
  });
});
