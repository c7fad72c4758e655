import { maxPerformances, type Performance, type Task } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';

// The leaderboard: every metric of every succeeded task, best first. Metrics are "higher is better"
// (accuracy, AUC, F1) unless their name says they are costs (loss, error, mse, rmse, mae,
// perplexity), which rank lowest first.

/** A task with the Job that succeeded for it. */
export interface ScoredTask {
  task: Pick<Task, 'name' | 'round'>;
  job: Readonly<TesseraJob>;
}

/** One row per metric a succeeded task's Job reported. */
export function performanceRows(scored: Iterable<ScoredTask>): Performance[] {
  const rows: Performance[] = [];
  for (const { task, job } of scored) {
    for (const [metric, value] of Object.entries(job.status?.metrics ?? {})) {
      const row: Performance = { task: task.name, metric, value };
      if (job.metadata.namespace) row.namespace = job.metadata.namespace;
      if (task.round !== undefined) row.round = task.round;
      rows.push(row);
    }
  }
  return rows;
}

const costPattern = /(^|[._:/-])(loss|error|err|mse|rmse|mae|perplexity)($|[._:/-])/i;

/** Whether a lower value of the metric is better: its name says it is a cost. */
export function lowerIsBetter(metric: string): boolean {
  return costPattern.test(metric);
}

const byTask = (a: Performance, b: Performance): number => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0);

/** Best value first for this metric's direction, ties by task name. */
function bestFirst(metric: string): (a: Performance, b: Performance) => number {
  return lowerIsBetter(metric) ? (a, b) => a.value - b.value || byTask(a, b) : (a, b) => b.value - a.value || byTask(a, b);
}

/**
 * How many rows each metric keeps when there are more than `max`: equal shares, and what a metric
 * with few rows leaves unused goes to the others (max-min fairness), so no metric crowds out another.
 */
export function metricShares(sizes: ReadonlyMap<string, number>, max: number): Map<string, number> {
  const shares = new Map<string, number>();
  const smallestFirst = [...sizes].sort((a, b) => a[1] - b[1]);
  let left = max;
  smallestFirst.forEach(([metric, size], i) => {
    const share = Math.min(size, Math.floor(left / (smallestFirst.length - i)));
    shares.set(metric, share);
    left -= share;
  });
  return shares;
}

/**
 * The leaderboard: rows grouped by metric (alphabetically), each group best value first (ties by
 * task name), at most `max` rows in all, shared fairly between metrics.
 */
export function leaderboard(rows: readonly Performance[], max = maxPerformances): Performance[] {
  const byMetric = new Map<string, Performance[]>();
  for (const row of rows) {
    const group = byMetric.get(row.metric);
    if (group) group.push(row);
    else byMetric.set(row.metric, [row]);
  }
  const shares = metricShares(new Map([...byMetric].map(([metric, group]) => [metric, group.length])), max);
  const metrics = [...byMetric.keys()].sort();
  return metrics.flatMap((metric) => byMetric.get(metric)!.sort(bestFirst(metric)).slice(0, shares.get(metric)));
}

/** The top of the leaderboard for a printer column: `accuracy=0.9123 (r3-test-0)`. */
export function bestOf(board: readonly Performance[]): string | undefined {
  const top = board[0];
  return top ? `${top.metric}=${Number(top.value.toPrecision(4))} (${top.task})` : undefined;
}
