import type { Task } from '../../api/computeplan.ts';

// The DAG of a plan's tasks, by index into the task list: who reads whose outputs. Every function is
// O(tasks + edges): the controller rebuilds this on every reconcile of plans with thousands of tasks.

/** A plan's tasks as a graph; a task is its position in the list it was built from. */
export interface PlanDag {
  /** Task names in plan order. */
  names: readonly string[];
  /** Name → index (the first task of that name, should names repeat). */
  index: ReadonlyMap<string, number>;
  /** The distinct tasks each task reads outputs of. */
  parents: ReadonlyArray<readonly number[]>;
  /** The distinct tasks that read each task's outputs. */
  children: ReadonlyArray<readonly number[]>;
  /** Per task, the tasks its inputs name that the plan does not have (yet). */
  unknownParents: ReadonlyArray<readonly string[]>;
}

function parentNames(task: Pick<Task, 'inputs'>): Set<string> {
  const names = new Set<string>();
  for (const input of task.inputs) if (input.taskOutput) names.add(input.taskOutput.task);
  return names;
}

/** The graph of `tasks`: an edge from each task to every task that reads one of its outputs. */
export function buildDag(tasks: readonly Pick<Task, 'name' | 'inputs'>[]): PlanDag {
  const names = tasks.map((t) => t.name);
  const index = new Map<string, number>();
  names.forEach((name, i) => { if (!index.has(name)) index.set(name, i); });
  const parents: number[][] = names.map(() => []);
  const children: number[][] = names.map(() => []);
  const unknownParents: string[][] = names.map(() => []);
  tasks.forEach((task, child) => {
    for (const name of parentNames(task)) {
      const parent = index.get(name);
      if (parent === undefined) {
        unknownParents[child]!.push(name);
        continue;
      }
      parents[child]!.push(parent);
      children[parent]!.push(child);
    }
  });
  return { names, index, parents, children, unknownParents };
}

/** A DAG in dependency order, or the cycle that keeps it from having one. */
export type DagOrder =
  | { acyclic: true; order: number[]; ranks: number[] }
  | { acyclic: false; cycle: string[] };

/** Kahn's algorithm: every task after all of its parents; the tasks on or behind a cycle are left out. */
function kahn(dag: PlanDag): number[] {
  const waitingOn = dag.parents.map((p) => p.length);
  const order = dag.names.flatMap((_, i) => (waitingOn[i] === 0 ? [i] : []));
  for (let next = 0; next < order.length; next++) {
    for (const child of dag.children[order[next]!]!) {
      waitingOn[child]!--;
      if (waitingOn[child] === 0) order.push(child);
    }
  }
  return order;
}

/**
 * One cycle among the tasks Kahn's algorithm left out. Each of them still waits on a parent that was
 * left out too, so walking from parent to parent must come back to a task already seen.
 */
function cycleAmong(dag: PlanDag, sorted: readonly number[]): string[] {
  const left = new Set(dag.names.keys());
  for (const i of sorted) left.delete(i);
  const walk: number[] = [];
  const seenAt = new Map<number, number>();
  let at = left.values().next().value!;
  while (!seenAt.has(at)) {
    seenAt.set(at, walk.length);
    walk.push(at);
    at = dag.parents[at]!.find((p) => left.has(p))!;
  }
  // The walk went against the data flow: reverse it, then start at the task first in plan order.
  const loop = walk.slice(seenAt.get(at)).reverse();
  const first = loop.indexOf(Math.min(...loop));
  const rotated = [...loop.slice(first), ...loop.slice(0, first)];
  return [...rotated, rotated[0]!].map((i) => dag.names[i]!);
}

/**
 * The tasks in dependency order with their ranks (roots 0, else 1 + the highest parent rank), or,
 * when the tasks read each other's outputs in a circle, one such cycle as names in data-flow order
 * with the first repeated at the end: `['a', 'b', 'a']` when b reads a and a reads b.
 */
export function orderDag(dag: PlanDag): DagOrder {
  const order = kahn(dag);
  if (order.length < dag.names.length) return { acyclic: false, cycle: cycleAmong(dag, order) };
  const ranks = dag.names.map(() => 0);
  for (const i of order) {
    for (const parent of dag.parents[i]!) ranks[i] = Math.max(ranks[i]!, ranks[parent]! + 1);
  }
  return { acyclic: true, order, ranks };
}

/** Every task downstream of `roots` (the roots themselves excluded, unless downstream of another). */
export function descendants(dag: PlanDag, roots: Iterable<number>): Set<number> {
  const found = new Set<number>();
  const queue = [...roots];
  for (let next = 0; next < queue.length; next++) {
    for (const child of dag.children[queue[next]!]!) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  return found;
}
