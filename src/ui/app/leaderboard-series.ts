import type { PerformanceRow } from '../protocol.ts';

// The leaderboard's lines: for one metric, the rounds on x and one line per organization (the test
// task's namespace), a point wherever that organization was tested that round. Pure.

/** uPlot's aligned data: x values, then each line's y values (null: no point that round). */
export interface MetricSeries {
  metric: string;
  rounds: number[];
  lines: Array<{ label: string; values: Array<number | null> }>;
}

/** The lines of every metric in `rows`, metrics in order of first appearance. */
export function metricSeries(rows: readonly PerformanceRow[]): MetricSeries[] {
  const metrics = [...new Set(rows.map((r) => r.metric))];
  return metrics.map((metric) => {
    const of = rows.filter((r) => r.metric === metric && r.round !== undefined);
    const rounds = [...new Set(of.map((r) => r.round!))].sort((a, b) => a - b);
    const labels = [...new Set(of.map((r) => r.namespace))].sort();
    const lines = labels.map((label) => ({
      label,
      values: rounds.map((round) => of.find((r) => r.namespace === label && r.round === round)?.value ?? null),
    }));
    return { metric, rounds, lines };
  });
}

/** The best row of each metric: the first, as the operator sorts the leaderboard best first. */
export function bestRows(rows: readonly PerformanceRow[]): Set<PerformanceRow> {
  const seen = new Set<string>();
  return new Set(rows.filter((r) => !seen.has(r.metric) && seen.add(r.metric)));
}
