import type { ComputePlanSpec, Task } from '../../api/computeplan.ts';
import { buildDag, orderDag, type DagOrder, type PlanDag } from './dag.ts';
import type { TrialRecord } from './search/trial-tasks.ts';
import { validPlanTasks } from './validation.ts';

// A plan's tasks (written out and expanded from its strategy), checked, as a graph in dependency
// order: computed once per version of the spec and shared by everything that reads the plan's
// shape — the scheduler, the cache index of what the plan depends on, and `tessera plan tree`.
// Tasks only ever grow by whole new entries and the strategy never changes (the CRD's CEL rules),
// and cached objects are frozen, so a spec whose task list and strategy are the same objects has the
// same graph. A search's tasks also follow its recorded trials (status.trials), passed beside the spec.

/** The plan's checked tasks and their graph, or why they cannot be scheduled (InvalidSpec). */
export type PlanGraph =
  | { ok: true; tasks: readonly Task[]; dag: PlanDag; order: DagOrder }
  | Extract<ReturnType<typeof validPlanTasks>, { ok: false }>;

type GraphSource = Pick<ComputePlanSpec, 'tasks' | 'strategy'>;

interface Memo {
  tasks: GraphSource['tasks'];
  strategy: GraphSource['strategy'];
  trials: readonly TrialRecord[] | undefined;
  graph: PlanGraph;
}

const memos = new WeakMap<GraphSource, Memo>();

function computeGraph(spec: GraphSource, trials: readonly TrialRecord[] | undefined): PlanGraph {
  const planned = validPlanTasks(spec, trials);
  if (!planned.ok) return planned;
  const dag = buildDag(planned.tasks);
  return { ok: true, tasks: planned.tasks, dag, order: orderDag(dag) };
}

/**
 * The graph of `spec`'s tasks and, for a search, of its recorded `trials` (the plan's
 * status.trials); the same object for the same spec (and task list and strategy) and trials.
 */
export function planGraph(spec: GraphSource, trials?: readonly TrialRecord[]): PlanGraph {
  const memo = memos.get(spec);
  if (memo && memo.tasks === spec.tasks && memo.strategy === spec.strategy && memo.trials === trials) return memo.graph;
  const graph = computeGraph(spec, trials);
  memos.set(spec, { tasks: spec.tasks, strategy: spec.strategy, trials, graph });
  return graph;
}

/**
 * A task of the plan by name, in O(1) (the DAG's index), or undefined: also for every name when the
 * plan's tasks cannot be scheduled.
 */
export function taskLookup(spec: GraphSource, trials?: readonly TrialRecord[]): (name: string) => Readonly<Task> | undefined {
  const graph = planGraph(spec, trials);
  if (!graph.ok) return () => undefined;
  return (name) => {
    const i = graph.dag.index.get(name);
    return i === undefined ? undefined : graph.tasks[i];
  };
}

/** The plan's tasks when they can be scheduled, else none. */
export function graphTasks(spec: GraphSource, trials?: readonly TrialRecord[]): readonly Task[] {
  const graph = planGraph(spec, trials);
  return graph.ok ? graph.tasks : [];
}
