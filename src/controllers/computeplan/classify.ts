import type { Task } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { PlanDag } from './dag.ts';
import { blockedByParents, stopCause, stoppedState, type StopCause } from './failure-policy.ts';
import { taskReadiness, type ReadinessContext, type Readiness } from './readiness.ts';
import { jobState, type TaskState } from './task-jobs.ts';

// Where every task of a plan is, in one pass in dependency order: a task's state follows from its
// Job when it has one, else from its parents' states and its own readiness. O(tasks + edges).

/** One task as the plan sees it. */
export interface TaskView {
  state: TaskState;
  /** The Job that stands for the task, when it has one. */
  job?: Readonly<TesseraJob>;
  /** Why a task without a Job waits, may start, or failed before it could start. */
  readiness?: Readiness;
  /** Why a task without a Job failed although it was ready: its Job could not be created. */
  refusal?: TaskRefusal;
}

/** Why a task's Job could not be created: its name is taken (NameTaken), or the API refused it. */
export interface TaskRefusal {
  reason: string;
  message: string;
}

/** The plan's tasks, their graph, and what readiness and Jobs are looked up in. */
export interface TaskWorld {
  tasks: ReadonlyArray<Readonly<Task>>;
  dag: PlanDag;
  /** Every task after its parents (orderDag). */
  order: readonly number[];
  /** The Job standing for each task, by task name. */
  jobs: ReadonlyMap<string, Readonly<TesseraJob>>;
  /** Tasks without a Job whose Job cannot be created, by task name. */
  refusals?: ReadonlyMap<string, TaskRefusal>;
  /** What readiness is judged against; without it (a reader of the plan, not its controller) a task that may not start yet just waits. */
  readiness?: ReadinessContext;
}

function viewOf(i: number, world: TaskWorld, views: readonly TaskView[]): TaskView {
  const task = world.tasks[i]!;
  const job = world.jobs.get(task.name);
  if (job) return { state: jobState(job), job };
  if (blockedByParents(world.dag.parents[i]!.map((p) => views[p]!.state))) return { state: 'canceled' };
  const refusal = world.refusals?.get(task.name);
  if (refusal) return { state: 'failed', refusal };
  if (!world.readiness) return { state: 'pending' };
  const readiness = taskReadiness(task, world.dag.unknownParents[i]!, world.readiness);
  return { state: readiness.kind === 'failed' ? 'failed' : 'pending', readiness };
}

/**
 * Each task's view, indexed like `world.tasks`: its Job's state; else canceled when a parent failed
 * or was canceled; else failed when its Job cannot be created (NameTaken, refused by the API) or it
 * may never run (Unauthorized, InvalidSpec); else pending,
 * with its readiness.
 */
export function classifyTasks(world: TaskWorld): TaskView[] {
  const views: TaskView[] = new Array<TaskView>(world.tasks.length);
  for (const i of world.order) views[i] = viewOf(i, world, views);
  return views;
}

/** The tasks' views once the plan's stop applies, and that stop: canceled, failed fast, or none. */
export function withStop(spec: Parameters<typeof stopCause>[0], classified: TaskView[]): { stop: StopCause | undefined; views: TaskView[] } {
  const stop = stopCause(spec, classified.some((v) => v.state === 'failed'));
  return { stop, views: stop ? classified.map((v) => ({ ...v, state: stoppedState(v.state) })) : classified };
}
