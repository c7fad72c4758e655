import type { ComputePlan, Task } from '../api/computeplan.ts';
import type { TesseraJob } from '../api/job.ts';
import { classifyTasks, withStop, type TaskRefusal, type TaskView } from '../controllers/computeplan/classify.ts';
import { planGraph } from '../controllers/computeplan/plan-graph.ts';
import { jobsByTask } from '../controllers/computeplan/task-jobs.ts';
import { rankRecordedTrials } from '../controllers/computeplan/search/ranking.ts';
import type { TrialStatus } from '../api/search.ts';
import { formatTable } from './table.ts';

// What `tessera plan tree` and `tessera plan leaderboard` print. Pure: the command reads the plan
// and its Jobs, these lay them out. A task's state comes from the controller's own classification:
// its Job, else the failure the plan recorded for it (status.failedTasks), else its parents', and
// in a stopped plan (canceled, or FailFast after a failure) a task without a Job never gets one.

function inputsText(task: Readonly<Task>): string {
  return task.inputs.map((i) => (i.taskOutput ? `${i.taskOutput.task}/${i.taskOutput.output}` : `dataset ${i.datasetRef?.name ?? ''}`)).join(', ');
}

/** Failures the plan recorded for tasks without a Job, by task name. */
function recordedFailures(plan: Readonly<ComputePlan>): Map<string, TaskRefusal> {
  return new Map((plan.status?.failedTasks ?? []).map(({ task, reason, message }) => [task, { reason, message }]));
}

/** What the PHASE column says of a task: its Job's phase, else where the plan put it. */
function phaseText(view: TaskView): string {
  if (view.job) return view.job.status?.phase ?? 'Pending';
  if (view.state === 'failed') return view.refusal ? `Failed (${view.refusal.reason})` : 'Failed';
  return view.state === 'canceled' ? 'Canceled' : 'Waiting';
}

/**
 * The plan's DAG, a line per task in dependency order, indented by rank (how many tasks stand
 * before it on its longest path): name, namespace, phase (its Job's, else Waiting, Canceled or
 * Failed with the plan's reason), what it reads.
 */
export function planTree(plan: Readonly<ComputePlan>, jobs: ReadonlyArray<Readonly<TesseraJob>>): string {
  const graph = planGraph(plan.spec, plan.status?.trials);
  if (!graph.ok) return `the plan's tasks cannot be scheduled: ${graph.message}`;
  const { tasks, dag, order } = graph;
  if (!order.acyclic) return `the plan's tasks form a cycle: ${order.cycle.join(' -> ')}`;
  const classified = classifyTasks({ tasks, dag, order: order.order, jobs: jobsByTask(jobs, plan.metadata.uid ?? ''), refusals: recordedFailures(plan) });
  const { views } = withStop(plan.spec, classified);
  const rows = order.order.map((i) => {
    const task = tasks[i]!;
    const indent = '  '.repeat(order.ranks[i] ?? 0);
    return [`${indent}${task.name}`, task.namespace ?? plan.metadata.namespace ?? '', phaseText(views[i]!), inputsText(task)];
  });
  return formatTable(['TASK', 'NAMESPACE', 'PHASE', 'READS'], rows);
}

/** A search plan's trials, best first (the order the plan ranks them in); none for other plans. */
export function rankedTrials(plan: Readonly<ComputePlan>): TrialStatus[] {
  const search = plan.spec.strategy?.search;
  return search ? rankRecordedTrials(search, plan.status?.trials ?? []) : [];
}

/** `lr=0.01 opt=adam`, in the space's name order. */
function paramsText(params: TrialStatus['params']): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${name}=${typeof params[name] === 'string' ? params[name] : JSON.stringify(params[name])}`)
    .join(' ');
}

/** `1h2m`, `3m4s`, `12s`. */
export function durationText(seconds: number): string {
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), Math.floor(seconds % 60)];
  if (h > 0) return `${h}h${m}m`;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** A finished trial's duration; a running one's time so far (with a `+`), from its start. */
function trialDuration(trial: TrialStatus, now: Date): string {
  if (trial.durationSeconds !== undefined) return durationText(trial.durationSeconds);
  if (!trial.startTime || trial.state === 'Pending') return '';
  return `${durationText(Math.max(0, (now.getTime() - Date.parse(trial.startTime)) / 1000))}+`;
}

/**
 * `tessera plan trials`: a search plan's trials best first — trial, state, parameters, objective,
 * duration — the best marked with `*`; with ASHA, the rung each reached.
 */
export function trialsTable(plan: Readonly<ComputePlan>, now: Date): string {
  const search = plan.spec.strategy?.search;
  if (!search) return `plan ${plan.metadata.name} is not a search: it has no trials`;
  const trials = rankedTrials(plan);
  if (trials.length === 0) return `no trials yet (plan ${plan.status?.phase ?? 'Pending'})`;
  const best = plan.status?.search?.bestTrial;
  const asha = search.algorithm.asha !== undefined;
  const rows = trials.map((t) => [
    `${t.id === best ? '*' : ' '} ${t.id}`,
    t.state,
    ...(asha ? [String(t.rung ?? 0)] : []),
    paramsText(t.params),
    t.objective === undefined ? '' : String(t.objective),
    trialDuration(t, now),
  ]);
  const objective = `${search.objective.metric.toUpperCase()} (${search.objective.goal === 'maximize' ? 'MAX' : 'MIN'})`;
  return formatTable(['  TRIAL', 'STATE', ...(asha ? ['RUNG'] : []), 'PARAMS', objective, 'DURATION'], rows);
}

/** The plan's leaderboard, best first per metric, as the operator sorted it. */
export function leaderboard(plan: Readonly<ComputePlan>): string {
  const rows = (plan.status?.performances ?? []).map((p, i) => [String(i + 1), p.metric, String(p.value), String(p.round ?? ''), p.task, p.namespace ?? '']);
  if (rows.length === 0) return `no performances yet (plan ${plan.status?.phase ?? 'Pending'}, ${plan.status?.progress ?? '0/0'})`;
  return formatTable(['RANK', 'METRIC', 'VALUE', 'ROUND', 'TASK', 'NAMESPACE'], rows);
}
