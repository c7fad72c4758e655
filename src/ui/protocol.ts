// What the dashboard's server answers and its page reads: types only, shared by both sides (the page
// is bundled by esbuild, the server runs as written), so neither drifts from the other.

/** A task of a plan as the DAG view draws it. */
export interface TaskNode {
  name: string;
  namespace: string;
  /** The federated round the task belongs to, when the plan has rounds. */
  round?: number;
  /** Its Job's phase, else Waiting, Canceled or Failed as the plan put it. */
  phase: string;
  /** Why it is in that phase: its Job's reason, else the failure the plan recorded. */
  reason?: string;
  message?: string;
  /** The Job that stands for the task, when it has one. */
  job?: { namespace: string; name: string };
}

/** One score of the plan's leaderboard. */
export interface PerformanceRow {
  task: string;
  namespace: string;
  metric: string;
  round?: number;
  value: number;
}

/** A plan in a list: its phase and progress. */
export interface PlanSummary {
  namespace: string;
  name: string;
  phase: string;
  progress: string;
  round?: number;
  best?: string;
  counts: Record<string, number>;
  labels: Record<string, string>;
}

/** One plan, laid out for the DAG and leaderboard views. */
export interface PlanDetail extends PlanSummary {
  nodes: TaskNode[];
  /** [parent, child] by index into nodes. */
  edges: Array<[number, number]>;
  /** Per node, how many tasks stand before it on its longest path. */
  ranks: number[];
  performances: PerformanceRow[];
  conditions: ConditionRow[];
  /** Why the plan's tasks cannot be drawn (invalid or cyclic), when they cannot. */
  problem?: string;
}

/** A condition as the views list it. */
export interface ConditionRow {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** A Warning event, newest first in lists. */
export interface EventRow {
  namespace: string;
  object: string;
  reason: string;
  message: string;
  count: number;
  time: string;
}

/** A Job in a list. */
export interface JobSummary {
  namespace: string;
  name: string;
  phase: string;
  reason?: string;
  plan?: string;
  task?: string;
  labels: Record<string, string>;
  metrics: Record<string, number>;
}

/** The overview: what the user can see of every namespace RBAC lets them list. */
export interface Overview {
  namespaces: string[];
  /** Namespaces (or "cluster") whose lists the API server refused: not visible to this user. */
  hidden: string[];
  plans: PlanSummary[];
  jobs: JobSummary[];
  /** Job counts by phase, then by reason ("" for none). */
  jobsByPhase: Record<string, Record<string, number>>;
  warnings: EventRow[];
}

/** One Tessera Job with what the task page shows of it. */
export interface JobDetail extends JobSummary {
  message?: string;
  conditions: ConditionRow[];
  events: EventRow[];
  inputs: Array<{ name: string; digest?: string; source?: string }>;
  outputs: Array<{ name: string; digest?: string }>;
  attempts?: number;
  startTime?: string;
  completionTime?: string;
}

/** A Dataset or Algo in the catalog. */
export interface CatalogRow {
  kind: 'Dataset' | 'Algo';
  namespace: string;
  name: string;
  ready: string;
  reason?: string;
  detail: string;
  labels: Record<string, string>;
}

/** What the server pushes on /api/events: something changed; the page re-reads what it shows. */
export interface ChangeEvent {
  kind: 'ComputePlan' | 'Job';
  namespace: string;
  name: string;
}
