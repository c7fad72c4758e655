import type { ComputePlan, Task } from '../api/computeplan.ts';
import type { TesseraJob } from '../api/job.ts';
import { buildDag, orderDag } from '../controllers/computeplan/dag.ts';
import { planTasks } from '../controllers/computeplan/expand.ts';
import { jobsByTask } from '../controllers/computeplan/task-jobs.ts';
import { formatTable } from './table.ts';

// What `tessera plan tree` and `tessera plan leaderboard` print. Pure: the command reads the plan
// and its Jobs, these lay them out.

function inputsText(task: Readonly<Task>): string {
  return task.inputs.map((i) => (i.taskOutput ? `${i.taskOutput.task}/${i.taskOutput.output}` : `dataset ${i.datasetRef?.name ?? ''}`)).join(', ');
}

/**
 * The plan's DAG, a line per task in dependency order, indented by rank (how many tasks stand
 * before it on its longest path): name, namespace, the phase of its Job (or Waiting), what it reads.
 */
export function planTree(plan: Readonly<ComputePlan>, jobs: ReadonlyArray<Readonly<TesseraJob>>): string {
  const tasks = planTasks(plan.spec);
  const ordered = orderDag(buildDag(tasks));
  if (!ordered.acyclic) return `the plan's tasks form a cycle: ${ordered.cycle.join(' -> ')}`;
  const byTask = jobsByTask(jobs, plan.metadata.uid ?? '');
  const rows = ordered.order.map((i) => {
    const task = tasks[i]!;
    const job = byTask.get(task.name);
    const indent = '  '.repeat(ordered.ranks[i] ?? 0);
    return [`${indent}${task.name}`, task.namespace ?? plan.metadata.namespace ?? '', job?.status?.phase ?? (job ? 'Pending' : 'Waiting'), inputsText(task)];
  });
  return formatTable(['TASK', 'NAMESPACE', 'PHASE', 'READS'], rows);
}

/** The plan's leaderboard, best first per metric, as the operator sorted it. */
export function leaderboard(plan: Readonly<ComputePlan>): string {
  const rows = (plan.status?.performances ?? []).map((p, i) => [String(i + 1), p.metric, String(p.value), String(p.round ?? ''), p.task, p.namespace ?? '']);
  if (rows.length === 0) return `no performances yet (plan ${plan.status?.phase ?? 'Pending'}, ${plan.status?.progress ?? '0/0'})`;
  return formatTable(['RANK', 'METRIC', 'VALUE', 'ROUND', 'TASK', 'NAMESPACE'], rows);
}
