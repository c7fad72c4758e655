import { ComputePlanReason, maxTasks, plannedTaskCount, type ComputePlanSpec, type Task } from '../../api/computeplan.ts';
import { duplicateTaskNames, planTasks } from './expand.ts';
import { searchSchema } from '../../api/search.ts';
import { trialTasks, type TrialRecord } from './search/trial-tasks.ts';
import { boundedList } from './messages.ts';

// What the schema cannot check of a plan's tasks as a whole, checked before any is scheduled. Each
// problem is permanent (tasks never change; the strategy never changes), so the plan stalls.

/** A plan's tasks, or why it has none that can be scheduled. */
export type PlanTasks = { ok: true; tasks: Task[] } | { ok: false; reason: typeof ComputePlanReason.InvalidSpec; message: string };

const invalid = (message: string): PlanTasks => ({ ok: false, reason: ComputePlanReason.InvalidSpec, message });

/** What is wrong with a plan's search, if anything: the API server checks its shape, this what CEL cannot (typed choices, names). */
function searchRefusal(spec: Pick<ComputePlanSpec, 'strategy'>): string | undefined {
  const search = spec.strategy?.search && searchSchema.safeParse(spec.strategy.search);
  if (!search || search.success) return undefined;
  return `spec.strategy.search: ${search.error.issues.map((i) => `${i.path.join('.') || 'search'}: ${i.message}`).join('; ')}`;
}

/**
 * The plan's tasks (written out, then expanded), or InvalidSpec when there are none, more than
 * maxTasks (checked before expanding, so a huge strategy costs nothing), or two share a name.
 */
export function validPlanTasks(spec: Pick<ComputePlanSpec, 'tasks' | 'strategy'>, trials?: readonly TrialRecord[]): PlanTasks {
  const refused = searchRefusal(spec);
  if (refused) return invalid(refused);
  const count = plannedTaskCount(spec);
  if (count > maxTasks) return invalid(`the plan has ${count} tasks written out and expanded from its strategy; at most ${maxTasks} are allowed`);
  // A search's tasks are its recorded trials' (status.trials): the advisor adds them as it runs.
  const tasks = [...planTasks(spec), ...trialTasks(spec.strategy?.search, trials)];
  if (tasks.length === 0 && spec.strategy?.search) return { ok: true, tasks };
  if (tasks.length === 0) return invalid('the plan has no tasks: write some in spec.tasks or set spec.strategy');
  const repeated = duplicateTaskNames(tasks);
  if (repeated.length > 0) return invalid(`task names appear twice (written out and expanded from the strategy?): ${boundedList(repeated)}`);
  return { ok: true, tasks };
}
