// Which task of a finished plan holds the model of its best leaderboard row. Pure.
// The row is the top of status.performances (best first), or for a search the best trial's row on
// its objective. A row's task either wrote the model itself (a trial scored by its train task) or
// evaluated one: then the model is the output its input of that name was fed from.
import type { ComputePlan, Performance, Task } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { parseTrialTask } from '../computeplan/search/trial-tasks.ts';

/** The best row and the task whose `output` is its model, or why there is none. */
export type BestModel = { kind: 'found'; row: Performance; task: string } | { kind: 'none'; message: string };

function bestRow(plan: Readonly<ComputePlan>): Performance | undefined {
  const rows = plan.status?.performances ?? [];
  const search = plan.spec.strategy?.search;
  const bestTrial = plan.status?.search?.bestTrial;
  if (!search || !bestTrial) return rows[0];
  // The best trial's last rung on the objective (rows are best first within a metric).
  return rows.find((r) => r.metric === search.objective.metric && parseTrialTask(search, r.task)?.trial === bestTrial);
}

/** The model task behind the best row: `taskOf` gives a task's spec, `jobOf` the Job that ran it. */
export function bestModelTask(
  plan: Readonly<ComputePlan>,
  output: string,
  lookups: { taskOf: (name: string) => Readonly<Task> | undefined; jobOf: (task: string) => Readonly<TesseraJob> | undefined },
): BestModel {
  const row = bestRow(plan);
  if (!row) return { kind: 'none', message: `ComputePlan ${plan.metadata.name} has no leaderboard row` };
  const wroteIt = lookups.jobOf(row.task)?.status?.outputs?.some((o) => o.name === output);
  if (wroteIt) return { kind: 'found', row, task: row.task };
  const fed = lookups.taskOf(row.task)?.inputs.find((i) => i.taskOutput?.output === output)?.taskOutput;
  if (!fed) return { kind: 'none', message: `the best row's task ${row.task} neither wrote nor read an output named ${output}` };
  return { kind: 'found', row, task: fed.task };
}
