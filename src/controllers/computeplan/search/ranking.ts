import type { Performance } from '../../../api/computeplan.ts';
import { maxPerformances } from '../../../api/computeplan.ts';
import type { Search, TrialStatus } from '../../../api/search.ts';
import { objectiveOrder } from './asha.ts';
import { latestObjective, type ObservedTrial } from './trial-view.ts';

// The search's leaderboard: trials ranked by the objective, toward the search's goal. With ASHA a
// trial that reached a higher rung ranks above one that stopped lower (its score is worth more
// resource), as ASHA reports its best. Trials that reported no objective come last. Pure.

/** The trials, best first. */
export function rankTrials(search: Pick<Search, 'objective'>, trials: readonly ObservedTrial[]): ObservedTrial[] {
  const order = objectiveOrder(search.objective.goal);
  const scored = trials.map((trial) => ({ trial, score: latestObjective(trial) }));
  scored.sort((a, b) => (b.score?.rung ?? -1) - (a.score?.rung ?? -1) || order(a.score?.value, b.score?.value) || a.trial.n - b.trial.n);
  return scored.map((s) => s.trial);
}

/**
 * status.trials best first, as the plan ranked them: by the rung of their objective (ASHA), then
 * the objective toward the goal, then the order they started in; trials without one last.
 */
export function rankRecordedTrials<T extends Pick<TrialStatus, 'id' | 'objective' | 'rung'>>(search: Pick<Search, 'objective'>, trials: readonly T[]): T[] {
  const order = objectiveOrder(search.objective.goal);
  const rung = (t: T): number => (t.objective === undefined ? -1 : (t.rung ?? 0));
  const number = (t: T): number => Number(t.id.slice(1));
  return [...trials].sort((a, b) => rung(b) - rung(a) || order(a.objective, b.objective) || number(a) - number(b));
}

/** One leaderboard row per scored trial, best first: the task that scored it, the objective, its value. */
export function trialLeaderboard(search: Search, ranked: readonly ObservedTrial[], namespace: string): Performance[] {
  const rows: Performance[] = [];
  for (const trial of ranked) {
    const score = latestObjective(trial);
    const task = score && trial.scoredBy[score.rung];
    if (!score || !task) continue;
    const row: Performance = { task, namespace, metric: search.objective.metric, value: score.value };
    if (search.algorithm.asha) row.round = score.rung;
    rows.push(row);
  }
  return rows.slice(0, maxPerformances);
}

/** The best trial for a printer column: `accuracy=0.9123 (t7)`. */
export function bestTrialText(search: Pick<Search, 'objective'>, trial: ObservedTrial | undefined): string | undefined {
  const score = trial && latestObjective(trial);
  return score ? `${search.objective.metric}=${Number(score.value.toPrecision(4))} (${trial.id})` : undefined;
}
