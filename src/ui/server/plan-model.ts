import type { ComputePlan } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { classifyTasks, withStop, type TaskRefusal, type TaskView } from '../../controllers/computeplan/classify.ts';
import { planGraph } from '../../controllers/computeplan/plan-graph.ts';
import { jobsByTask } from '../../controllers/computeplan/task-jobs.ts';
import type { ConditionRow, PlanDetail, PlanSummary, TaskNode } from '../protocol.ts';

// A plan as the dashboard draws it. Pure. Each task's phase comes from the controller's own
// classification, as `tessera plan tree` shows it (src/cli/plan-view.ts): its Job, else the failure
// the plan recorded, else its parents', and in a stopped plan a task without a Job never gets one.

/** A plan's phase, progress and counts, as lists show it. */
export function planSummary(plan: Readonly<ComputePlan>): PlanSummary {
  const { phase = 'Pending', counts = { total: 0 }, progress = `0/${counts.total}`, round, best } = plan.status ?? {};
  const { namespace = '', name = '', labels = {} } = plan.metadata;
  return { namespace, name, phase, progress, round, best, counts: { ...counts }, labels };
}

function recordedFailures(plan: Readonly<ComputePlan>): Map<string, TaskRefusal> {
  return new Map((plan.status?.failedTasks ?? []).map(({ task, reason, message }) => [task, { reason, message }]));
}

function phaseOf(view: TaskView): string {
  if (view.job) return view.job.status?.phase ?? 'Pending';
  if (view.state === 'failed') return 'Failed';
  return view.state === 'canceled' ? 'Canceled' : 'Waiting';
}

/** Why the task is where it is: its Job's reason and message, else the plan's record of its failure. */
function whyOf({ job, refusal }: TaskView): Pick<TaskNode, 'reason' | 'message'> {
  const why = job ? { reason: job.status?.reason, message: job.status?.message } : { reason: refusal?.reason, message: refusal?.message };
  return Object.fromEntries(Object.entries(why).filter(([, v]) => v));
}

function nodeOf(task: TaskView & { name: string; namespace: string; round?: number }): TaskNode {
  const node: TaskNode = { name: task.name, namespace: task.namespace, phase: phaseOf(task), ...whyOf(task) };
  if (task.round !== undefined) node.round = task.round;
  if (task.job) node.job = { namespace: task.job.metadata.namespace ?? '', name: task.job.metadata.name ?? '' };
  return node;
}

/** Conditions as rows. */
export function conditionRows(conditions: ReadonlyArray<{ type: string; status: string; reason?: string; message?: string }> | undefined): ConditionRow[] {
  return (conditions ?? []).map(({ type, status, reason, message }) => ({ type, status, reason, message }));
}

function emptyDetail(plan: Readonly<ComputePlan>, problem?: string): PlanDetail {
  const performances = (plan.status?.performances ?? []).map((p) => ({ ...p, namespace: p.namespace ?? plan.metadata.namespace ?? '' }));
  return { ...planSummary(plan), nodes: [], edges: [], ranks: [], performances, conditions: conditionRows(plan.status?.conditions), problem };
}

/** The plan's tasks as DAG nodes (in plan order) and edges, with its leaderboard and conditions. */
export function planDetail(plan: Readonly<ComputePlan>, jobs: ReadonlyArray<Readonly<TesseraJob>>): PlanDetail {
  const graph = planGraph(plan.spec, plan.status?.trials);
  if (!graph.ok) return emptyDetail(plan, `the plan's tasks cannot be scheduled: ${graph.message}`);
  const { tasks, dag, order } = graph;
  if (!order.acyclic) return emptyDetail(plan, `the plan's tasks form a cycle: ${order.cycle.join(' -> ')}`);
  const classified = classifyTasks({ tasks, dag, order: order.order, jobs: jobsByTask(jobs, plan.metadata.uid ?? ''), refusals: recordedFailures(plan) });
  const { views } = withStop(plan.spec, classified);
  const home = plan.metadata.namespace ?? '';
  const nodes = tasks.map((task, i) => nodeOf({ ...views[i]!, name: task.name, namespace: task.namespace ?? home, round: task.round }));
  const edges = dag.parents.flatMap((parents, child) => parents.map((parent): [number, number] => [parent, child]));
  return { ...emptyDetail(plan), nodes, edges, ranks: order.ranks };
}
