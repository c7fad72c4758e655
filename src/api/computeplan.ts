import { z } from 'zod';
import {
  conditionsSchema,
  dnsLabelSchema,
  dnsSubdomainSchema,
  groupVersion,
  ioNameSchema,
  isDistinct,
  labelValueSchema,
  nameFitsLabelRule,
  objectMetaSchema,
  objectRefSchema,
  resourcesSchema,
  type CelRule,
} from './common.ts';
import { maxJobRetries } from './job.ts';
import { paramsSchema, searchCelRules, searchSchema, searchStatusSchema, searchTaskBound, searchTaskBoundCel, trialStatusSchema, maxSearchTrials, type Search } from './search.ts';

// The ComputePlan kind: a DAG of tasks, written out or expanded from a strategy (federated
// averaging). Per-task detail lives on the Jobs it creates; the plan keeps counts, so an object with
// thousands of tasks stays far below etcd's size limit.

/** Where a ComputePlan is, for people and printer columns. */
export const ComputePlanPhase = {
  Pending: 'Pending',
  Running: 'Running',
  Suspended: 'Suspended',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Canceled: 'Canceled',
} as const;

/** What a failed task does to the rest of the plan. */
export const FailurePolicy = {
  FailFast: 'FailFast',
  ContinueIndependent: 'ContinueIndependent',
} as const;

/**
 * How Kueue admits a plan's Jobs (with queueName): each on its own, or a round's trainers in one
 * namespace together, as one Kueue pod group (all of them or none; docs/kueue.md).
 */
export const RoundAdmission = {
  PerTask: 'PerTask',
  Whole: 'Whole',
} as const;

/** The condition types a ComputePlan reports. */
export const ComputePlanConditionType = {
  Ready: 'Ready',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  /** A search plan: True once no trial will start any more, with the budget that ended it as reason (SearchEndReason). */
  SearchEnded: 'SearchEnded',
} as const;

/**
 * Why a ComputePlan is in its phase: the `reason` of its conditions (PascalCase). Stalled carries
 * CycleDetected, InvalidSpec and DependencyNotFound; Failed carries TaskFailed and Unauthorized.
 */
export const ComputePlanReason = {
  Pending: 'Pending',
  Running: 'Running',
  Suspended: 'Suspended',
  Retrying: 'Retrying',
  Succeeded: 'Succeeded',
  TaskFailed: 'TaskFailed',
  Unauthorized: 'Unauthorized',
  Canceled: 'Canceled',
  CycleDetected: 'CycleDetected',
  DependencyNotFound: 'DependencyNotFound',
  InvalidSpec: 'InvalidSpec',
  /** A Job the plan did not create holds the name of a task's Job: the task fails rather than adopt it. */
  NameTaken: 'NameTaken',
  /** A search ended and none of its trials succeeded. */
  NoTrialSucceeded: 'NoTrialSucceeded',
} as const;

/**
 * Set this annotation on a plan to a new value (any string, e.g. a timestamp) to re-run its failed
 * and canceled tasks; succeeded tasks keep their Jobs and outputs. status.appliedRetry echoes the
 * value once acted on.
 */
export const retryAnnotation = 'tessera.dev/retry';

/**
 * The most tasks one plan may hold, written out and expanded together: spec.tasks has it as
 * maxItems, and a CEL rule (with its zod twin) bounds explicit plus strategy-expanded tasks. The
 * plan's status keeps counts, never per-task lists, so it stays far below etcd's limit at this size.
 */
export const maxTasks = 5000;
/** The most inputs one task may bind. */
export const maxTaskInputs = 32;
/** The most trainers a federated strategy may have. */
export const maxTrainers = 100;
/**
 * The most performances the leaderboard keeps. A row is at most ~350 bytes of JSON (63-character
 * task and namespace, 128-character metric), so the leaderboard stays under 180 KiB and the status
 * under etcd's comfort zone whatever the plan's size.
 */
export const maxPerformances = 500;
/** The longest retry annotation kept verbatim in status.appliedRetry; longer ones are kept hashed. */
export const maxRetryTokenLength = 253;
/**
 * The most retry tokens status.retryTokens keeps, newest last. A Job named under an older token no
 * longer stands for its task (it is re-run): a plan retried this often has other problems.
 */
export const maxRetryTokens = 100;
/** The most Jobs status.ignoredJobs lists. */
export const maxIgnoredJobs = 32;
/** The most tasks status.refusedTasks lists. */
export const maxRefusedTasks = 32;
/** The most tasks status.failedTasks lists; counts.failed has them all. */
export const maxFailedTasks = 32;

/** One input of a task: a Dataset, or an output of another task in the plan. */
export const taskInputSchema = z
  .object({
    name: ioNameSchema.describe("the Algo's input this binds"),
    datasetRef: objectRefSchema.optional().describe("a Dataset in the task's namespace"),
    taskOutput: z
      .object({ task: dnsLabelSchema, output: ioNameSchema })
      .optional()
      .describe('an output of another task of this plan'),
  })
  .refine((i) => (i.datasetRef === undefined) !== (i.taskOutput === undefined), {
    message: 'exactly one of datasetRef or taskOutput must be set',
  });

/** One task of a plan: an Algo run on inputs in a namespace. */
export const taskSchema = z.object({
  name: dnsLabelSchema.describe('unique within the plan'),
  algoRef: objectRefSchema.describe('the Algo to run'),
  namespace: dnsLabelSchema.optional().describe("where it runs (where its data is); the plan's namespace when unset"),
  inputs: z
    .array(taskInputSchema)
    .max(maxTaskInputs)
    .refine((inputs) => isDistinct(inputs.map((i) => i.name)), 'input names must be unique')
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
    .describe("bindings of the Algo's inputs"),
  round: z.int().min(0).optional().describe('the federated round it belongs to: status.round and the leaderboard'),
  resources: resourcesSchema.optional().describe("overrides the Algo's resources"),
  retries: z.int().min(0).max(maxJobRetries).optional(),
  timeoutSeconds: z.int().min(1).optional(),
  params: paramsSchema.optional().describe("parameters its container reads as TESSERA_PARAM_<NAME> and, all of them as JSON, TESSERA_PARAMS and /tessera/params.json (a search's trials set them)"),
});

/** One task of a plan. */
export type Task = z.infer<typeof taskSchema>;

/** The organizations a federated strategy trains with: one per namespace, with its Datasets. */
const trainersSchema = z
  .array(
    z.object({
      namespace: dnsLabelSchema,
      datasetRef: objectRefSchema.describe('the Dataset trained on, in that namespace'),
      testDatasetRef: objectRefSchema.optional().describe('the Dataset tested on, in that namespace; datasetRef when unset'),
    }),
  )
  .min(1)
  .max(maxTrainers)
  .describe('one per organization: the namespace and its Dataset');

/** Federated averaging: each round trains on every trainer's data, then one aggregate. */
export const fedAvgSchema = z.object({
  rounds: z.int().min(1).max(1000),
  trainers: trainersSchema,
  aggregatorNamespace: dnsLabelSchema.optional().describe("where aggregation runs; the plan's namespace when unset"),
  trainAlgo: objectRefSchema,
  aggregateAlgo: objectRefSchema,
  testAlgo: objectRefSchema.optional(),
  evaluateEvery: z.int().min(1).optional().describe('test every this many rounds (and after the last)'),
});

/** Federated averaging over rounds. */
export type FedAvg = z.infer<typeof fedAvgSchema>;

/**
 * Cyclic training: the model visits every trainer in turn, each round, and each trains it further on
 * its own data; no aggregate. Tested rounds test the round's last model on every trainer's data.
 */
export const cyclicSchema = fedAvgSchema.omit({ aggregatorNamespace: true, aggregateAlgo: true });

/** Cyclic training over rounds. */
export type Cyclic = z.infer<typeof cyclicSchema>;

/**
 * Personalized training (Substra's composite tasks): each trainer's Algo writes a local `head`, which
 * never leaves its namespace, and a shared `model` (the trunk), which is averaged as in fedAvg. Each
 * round trains on the trainer's own previous head and the previous aggregate; tests read both.
 */
export const personalizedSchema = fedAvgSchema;

/** Personalized training over rounds. */
export type Personalized = z.infer<typeof personalizedSchema>;

/** Any of the federated strategies (personalized has fedAvg's shape): what their expansions share. */
export type FederatedStrategy = FedAvg | Cyclic;

/** How a ComputePlan expands into tasks: exactly one strategy. */
export const strategySchema = z
  .object({
    fedAvg: fedAvgSchema.optional(),
    cyclic: cyclicSchema.optional().describe('the model visits each organization in turn, each round'),
    personalized: personalizedSchema.optional().describe("each organization keeps a local head that never leaves its namespace; shared trunks are averaged"),
    search: searchSchema.optional().describe('a budgeted search of parameters: trials of one Algo, chosen by random draws, a grid or ASHA (docs/trial-search.md)'),
  })
  .refine((strategy) => Object.values(strategy).filter((s) => s !== undefined).length === 1, { message: 'set exactly one strategy: fedAvg, cyclic, personalized or search' });

/** A plan's strategy. */
export type Strategy = z.infer<typeof strategySchema>;

/** Whether a strategy aggregates each round (cyclic does not). */
function aggregates(strategy: FederatedStrategy): strategy is FedAvg {
  return 'aggregateAlgo' in strategy;
}

/**
 * How many tasks a federated strategy expands into: per round one train per trainer and, unless it is
 * cyclic, one aggregate; plus one test per trainer in every k-th round and the last
 * (ceil(rounds / k) rounds in all).
 */
export function strategyTaskCount(strategy: FederatedStrategy): number {
  const trainers = strategy.trainers.length;
  const every = strategy.evaluateEvery ?? 1;
  const testedRounds = strategy.testAlgo ? Math.ceil(strategy.rounds / every) : 0;
  return strategy.rounds * (trainers + (aggregates(strategy) ? 1 : 0)) + testedRounds * trainers;
}

/** The strategy a plan expands, whichever it is. */
export function federatedStrategy(strategy: Readonly<Strategy> | undefined): FederatedStrategy | undefined {
  return strategy?.fedAvg ?? strategy?.cyclic ?? strategy?.personalized;
}

/** The search a plan runs, if it is one. */
export function searchStrategy(strategy: Readonly<Strategy> | undefined): Search | undefined {
  return strategy?.search;
}

/** Explicit plus strategy-expanded tasks (a search's at most): what maxTasks bounds. */
export function plannedTaskCount(spec: { tasks?: readonly unknown[] | undefined; strategy?: Strategy | undefined }): number {
  const strategy = federatedStrategy(spec.strategy);
  const search = searchStrategy(spec.strategy);
  return (spec.tasks?.length ?? 0) + (strategy ? strategyTaskCount(strategy) : 0) + (search ? searchTaskBound(search) : 0);
}

const wholeRoundMessage = 'roundAdmission Whole needs queueName, a fedAvg or personalized strategy (cyclic trainers run one after another) and no parallelism (a round admitted whole starts all its trainers)';

/**
 * Whether a round's trainers can be admitted whole: through a queue, all ready together (fedAvg and
 * personalized trainers wait on the same aggregate; cyclic ones on each other), and all started
 * together (a parallelism below the trainer count would leave the group waiting for ever).
 */
function wholeRoundsAdmissible(spec: { queueName?: string | undefined; parallelism?: number | undefined; strategy?: Strategy | undefined }): boolean {
  return spec.queueName !== undefined && spec.parallelism === undefined && (spec.strategy?.fedAvg ?? spec.strategy?.personalized) !== undefined;
}

/** What a user declares about a ComputePlan. Tasks may be appended later, never changed. */
export const computePlanSpecSchema = z
  .object({
    tasks: z
      .array(taskSchema)
      .max(maxTasks)
      .refine((tasks) => isDistinct(tasks.map((t) => t.name)), 'task names must be unique')
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .describe('the DAG, written out; appended to, never changed'),
    strategy: strategySchema.optional().describe('a strategy that expands into tasks'),
    parallelism: z.int().min(1).max(10000).optional().describe('the most tasks running at once'),
    queueName: labelValueSchema.optional().describe("the Kueue LocalQueue, in each task's namespace, that admits every task's run"),
    priorityClassName: dnsSubdomainSchema.optional().describe("every task's PriorityClass"),
    roundAdmission: z
      .enum(RoundAdmission)
      .optional()
      .describe("PerTask (when unset): Kueue admits each task's run on its own. Whole: a round's trainers in one namespace are admitted together or not at all (needs queueName, a fedAvg or personalized strategy, no parallelism)"),
    failurePolicy: z.enum(FailurePolicy).optional().meta({ default: FailurePolicy.FailFast }),
    suspend: z.boolean().optional().describe('start no new tasks; running ones finish'),
    cancel: z.boolean().optional().describe('stop every task and mark the plan Canceled'),
    cleanIntermediateOutputs: z.boolean().optional().describe('delete outputs once every consumer has finished'),
  })
  .refine((spec) => (spec.tasks?.length ?? 0) > 0 || spec.strategy !== undefined, {
    message: 'a ComputePlan needs tasks or a strategy',
  })
  .refine((spec) => !spec.strategy?.search || (spec.tasks?.length ?? 0) === 0, { message: "a search plan's tasks are its trials: spec.tasks must be empty" })
  .refine((spec) => spec.roundAdmission !== RoundAdmission.Whole || wholeRoundsAdmissible(spec), { message: wholeRoundMessage })
  .refine((spec) => plannedTaskCount(spec) <= maxTasks, {
    message: `a ComputePlan holds at most ${maxTasks} tasks, written out and expanded from its strategy together`,
  });

/** The spec of a ComputePlan. */
export type ComputePlanSpec = z.infer<typeof computePlanSpecSchema>;

/** How many of a plan's tasks are in each phase. */
export const taskCountsSchema = z.object({
  total: z.int().min(0),
  pending: z.int().min(0).optional(),
  queued: z.int().min(0).optional(),
  running: z.int().min(0).optional(),
  succeeded: z.int().min(0).optional(),
  failed: z.int().min(0).optional(),
  canceled: z.int().min(0).optional(),
});

/** How many of a plan's tasks are in each phase. */
export type TaskCounts = z.infer<typeof taskCountsSchema>;

/** One score of a test task: a row of the leaderboard. */
export const performanceSchema = z.object({
  task: dnsLabelSchema,
  namespace: dnsLabelSchema.optional(),
  metric: z.string().min(1).max(128).describe("the metric's name in the task's metrics.json"),
  round: z.int().min(0).optional(),
  value: z.number(),
});

/** One row of the leaderboard. */
export type Performance = z.infer<typeof performanceSchema>;

/** What the controller observed of a ComputePlan. */
export const computePlanStatusSchema = z.object({
  phase: z.enum(ComputePlanPhase).optional(),
  progress: z.string().max(32).optional().describe('finished/total tasks, e.g. 12/40'),
  round: z.int().min(0).optional().describe('the federated round in progress'),
  counts: taskCountsSchema.optional(),
  conditions: conditionsSchema.optional(),
  observedGeneration: z.int().min(0).optional(),
  performances: z
    .array(performanceSchema)
    .max(maxPerformances)
    .optional()
    .describe('the leaderboard: scores of succeeded tasks, by metric, best first'),
  best: z.string().max(256).optional().describe('the top of the leaderboard, e.g. accuracy=0.91 (r3-test-0)'),
  appliedRetry: z
    .string()
    .max(maxRetryTokenLength)
    .optional()
    .describe(`the ${retryAnnotation} annotation last acted on (hashed when long)`),
  retryTokens: z
    .array(z.string().max(maxRetryTokenLength))
    .max(maxRetryTokens)
    .optional()
    .describe('every retry token the plan named Jobs with, oldest first: a Job stands for a task only under a name the plan gave it'),
  ignoredJobs: z
    .array(z.string().max(317))
    .max(maxIgnoredJobs)
    .optional()
    .describe("Jobs (namespace/name) labelled as this plan's that it does not stand a task on; each was reported once in an event"),
  refusedTasks: z
    .array(z.object({ task: dnsLabelSchema, message: z.string().max(1024) }))
    .max(maxRefusedTasks)
    .optional()
    .describe('tasks whose Job the API server refused to create, with its message: they failed with reason InvalidSpec'),
  failedTasks: z
    .array(z.object({ task: dnsLabelSchema, reason: z.string().max(64), message: z.string().max(1024) }))
    .max(maxFailedTasks)
    .optional()
    .describe('tasks that failed before any Job ran them (Unauthorized, InvalidSpec, NameTaken), in plan order, with why: what `tessera plan tree` shows for tasks without a Job'),
  trials: z
    .array(trialStatusSchema)
    .max(maxSearchTrials)
    .optional()
    .describe("a search's trials, in the order started: the plan creates their tasks from here"),
  search: searchStatusSchema.optional().describe("a search's start and best trial"),
});

/** The status of a ComputePlan. */
export type ComputePlanStatus = z.infer<typeof computePlanStatusSchema>;

/** A whole ComputePlan object as the API server returns it. */
export const computePlanSchema = z.object({
  apiVersion: z.literal(groupVersion),
  kind: z.literal('ComputePlan'),
  metadata: objectMetaSchema,
  spec: computePlanSpecSchema,
  status: computePlanStatusSchema.optional(),
});

/** A ComputePlan (`computeplans.tessera.dev`). */
export type ComputePlan = z.infer<typeof computePlanSchema>;

/** strategyTaskCount in CEL for the strategy at `path`: ceil(rounds / k) is (rounds + k - 1) / k in integer division. */
function strategyTaskCountCel(path: string, aggregated: boolean): string {
  const every = `(has(${path}.evaluateEvery) ? ${path}.evaluateEvery : 1)`;
  return (
    `${path}.rounds * (${path}.trainers.size()${aggregated ? ' + 1' : ''}) + ` +
    `(has(${path}.testAlgo) ? ${path}.trainers.size() * ((${path}.rounds + ${every} - 1) / ${every}) : 0)`
  );
}

/** The task-count bound, one rule per strategy (at most one is set). */
function strategyBoundRule(name: 'fedAvg' | 'cyclic' | 'personalized'): CelRule {
  const path = `self.strategy.${name}`;
  return {
    path: 'spec',
    rule: `!has(self.strategy) || !has(${path}) || (has(self.tasks) ? self.tasks.size() : 0) + ${strategyTaskCountCel(path, name !== 'cyclic')} <= ${maxTasks}`,
    message: `a ComputePlan holds at most ${maxTasks} tasks, written out and expanded from its strategy together`,
  };
}

/**
 * What the API server checks of a ComputePlan beyond types and bounds. Rules on one version mirror a
 * zod refinement; the transition rules (oldSelf) keep tasks append-only and the strategy fixed (a
 * changed strategy would change or drop tasks that already ran). Cross-task checks (references to
 * unknown tasks, cycles, names clashing with expanded tasks) are too costly for CEL over 5000 tasks:
 * the controller reports them as conditions.
 */
export const computePlanCelRules: readonly CelRule[] = [
  nameFitsLabelRule,
  {
    path: 'spec',
    rule: '(has(self.tasks) && self.tasks.size() > 0) || has(self.strategy)',
    message: 'a ComputePlan needs spec.tasks or spec.strategy',
  },
  strategyBoundRule('fedAvg'),
  strategyBoundRule('cyclic'),
  strategyBoundRule('personalized'),
  {
    path: 'spec',
    rule: `!has(self.strategy) || !has(self.strategy.search) || (has(self.tasks) ? self.tasks.size() : 0) + ${searchTaskBoundCel('self.strategy.search')} <= ${maxTasks}`,
    message: `a ComputePlan holds at most ${maxTasks} tasks, written out and expanded from its strategy together`,
  },
  {
    path: 'spec.strategy',
    rule: '(has(self.fedAvg) ? 1 : 0) + (has(self.cyclic) ? 1 : 0) + (has(self.personalized) ? 1 : 0) + (has(self.search) ? 1 : 0) == 1',
    message: 'set exactly one strategy: fedAvg, cyclic, personalized or search',
  },
  ...searchCelRules,
  {
    path: 'spec.tasks[].inputs[]',
    rule: 'has(self.datasetRef) != has(self.taskOutput)',
    message: 'exactly one of datasetRef or taskOutput must be set',
  },
  {
    path: 'spec.tasks',
    rule: 'self.size() >= oldSelf.size()',
    message: 'tasks can be appended to a plan, never removed',
  },
  {
    // Items of a list-type map are matched to their old selves by name.
    path: 'spec.tasks[]',
    rule: 'self == oldSelf',
    message: 'a task cannot change once added: append a new task instead',
  },
  {
    path: 'spec',
    rule: '!has(oldSelf.strategy) || has(self.strategy)',
    message: 'a strategy cannot be removed once set: its tasks may have run',
    fieldPath: '.strategy',
  },
  {
    // A task's Job stands for it only with exactly the spec the plan gives it, queue included.
    path: 'spec',
    rule: 'has(self.queueName) == has(oldSelf.queueName) && (!has(self.queueName) || self.queueName == oldSelf.queueName) && has(self.priorityClassName) == has(oldSelf.priorityClassName) && (!has(self.priorityClassName) || self.priorityClassName == oldSelf.priorityClassName)',
    message: 'queueName and priorityClassName cannot change once the plan exists',
  },
  {
    path: 'spec',
    rule: `!has(self.roundAdmission) || self.roundAdmission != '${RoundAdmission.Whole}' || (has(self.queueName) && !has(self.parallelism) && has(self.strategy) && (has(self.strategy.fedAvg) || has(self.strategy.personalized)))`,
    message: wholeRoundMessage,
  },
  {
    path: 'spec',
    rule: 'has(self.roundAdmission) == has(oldSelf.roundAdmission) && (!has(self.roundAdmission) || self.roundAdmission == oldSelf.roundAdmission)',
    message: 'roundAdmission cannot change once the plan exists',
  },
  {
    path: 'spec.strategy',
    rule: 'self == oldSelf',
    message: 'a strategy cannot change once set: append tasks instead',
  },
];
