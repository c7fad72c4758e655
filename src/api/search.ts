import { z } from 'zod';
import { dnsLabelSchema, objectRefSchema, timestampSchema, type CelRule } from './common.ts';

// The search strategy of a ComputePlan: a budgeted hyper-parameter search, as Rafiki's train jobs
// with a budget and an advisor. Each trial is a train task (and a test task with testAlgo) run with
// parameters drawn from a space; the plan records its trials in status (the advisor's decisions)
// and creates their Jobs from there. Kept apart from computeplan.ts, which holds the federated ones.

/** The most trials one search may run: status.trials lists each, so the status stays small. */
export const maxSearchTrials = 200;
/** The most parameters a space (and a task) may have. */
export const maxParams = 16;
/** The longest string a parameter value may be. */
export const maxParamValueLength = 253;
/** The most values a `choice` may list. */
export const maxChoices = 64;

/** A parameter's value, as the container sees it in params JSON (and as text in its env var). */
export type ParamValue = string | number | boolean;

/** Parameters by name. */
export type Params = Record<string, ParamValue>;

/** Whether `value` may be a parameter's value: a bounded string, a finite number or a boolean. */
export function isParamValue(value: unknown): value is ParamValue {
  if (typeof value === 'string') return value.length <= maxParamValueLength;
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

/**
 * A string, number or boolean. A CRD schema has no union but int-or-string, so the API server keeps
 * the value as it came (preserve-unknown-fields) and the controller checks its type.
 */
export const paramValueSchema = z
  .unknown()
  .pipe(z.custom<ParamValue>(isParamValue, { message: `must be a string (at most ${maxParamValueLength} characters), a number or a boolean` }))
  .meta({ 'x-kubernetes-preserve-unknown-fields': true, description: 'a string, a number or a boolean' });

/** A parameter's name: it becomes the environment variable TESSERA_PARAM_<NAME, upper-cased>. */
export const paramNameSchema = z
  .string()
  .max(63)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must start with a letter and hold only letters, digits and "_" (it names an environment variable)');

/** The environment variable a parameter reaches the container as. */
export const paramEnvName = (name: string): string => `TESSERA_PARAM_${name.toUpperCase()}`;

/** The variable holding every parameter as one JSON object (also written to /tessera/params.json). */
export const paramsJsonEnv = 'TESSERA_PARAMS';

/**
 * Whether an environment variable carries parameters (TESSERA_PARAMS, TESSERA_PARAM_<NAME>): run
 * inputs, not code. The prefix keeps them from naming anything a runtime reads (NODE_OPTIONS,
 * LD_PRELOAD, PYTHONPATH), so only code that asks for them sees them.
 */
export const isParamEnvName = (name: string): boolean => name === paramsJsonEnv || name.startsWith('TESSERA_PARAM_');

/** Parameters by name; names must differ once upper-cased (their environment variables would clash). */
export const paramsSchema = z
  .record(paramNameSchema, paramValueSchema)
  .refine((params) => Object.keys(params).length <= maxParams, `at most ${maxParams} parameters`)
  .refine((params) => new Set(Object.keys(params).map(paramEnvName)).size === Object.keys(params).length, 'parameter names must differ in more than case')
  .meta({ maxProperties: maxParams });

const rangeSchema = z.object({ min: z.number(), max: z.number() });

/** One dimension of a space: exactly one of choice, int, uniform, logUniform. */
export const dimensionSchema = z
  .object({
    choice: z.array(paramValueSchema).min(1).max(maxChoices).optional().describe('one of these values'),
    int: z.object({ min: z.int(), max: z.int() }).optional().describe('an integer in [min, max]'),
    uniform: rangeSchema.optional().describe('a number in [min, max], evenly'),
    logUniform: rangeSchema.optional().describe('a number in [min, max] (min > 0), evenly on a log scale'),
  })
  .refine((d) => [d.choice, d.int, d.uniform, d.logUniform].filter((x) => x !== undefined).length === 1, { message: 'set exactly one of choice, int, uniform or logUniform' })
  .refine((d) => !d.int || d.int.min <= d.int.max, { message: 'int needs min <= max' })
  .refine((d) => !d.uniform || d.uniform.min < d.uniform.max, { message: 'uniform needs min < max' })
  .refine((d) => !d.logUniform || (d.logUniform.min > 0 && d.logUniform.min < d.logUniform.max), { message: 'logUniform needs 0 < min < max' });

/** One dimension of a search space. */
export type Dimension = z.infer<typeof dimensionSchema>;

/** What the search optimizes: a metric of the trials' metrics.json, up or down. */
export const objectiveSchema = z.object({
  metric: z.string().min(1).max(128).regex(/^[A-Za-z_][A-Za-z0-9_.:/-]*$/, 'must be a metric name').describe("a metric of the trial's metrics.json (its test task's, with testAlgo)"),
  goal: z.enum(['maximize', 'minimize']),
});

/** What a search optimizes. */
export type Objective = z.infer<typeof objectiveSchema>;

/** Asynchronous successive halving (ASHA): trials run in rungs of growing resource; the best 1/η go on. */
export const ashaSchema = z
  .object({
    seed: z.int().min(0).optional().describe('the random draws of configurations; 0 when unset'),
    resource: paramNameSchema.optional().describe('the parameter that carries the rung\'s resource (epochs or rounds); "epochs" when unset'),
    minResource: z.int().min(1).describe('the resource of the first rung'),
    maxResource: z.int().min(1).describe('the resource of the last rung'),
    reductionFactor: z.int().min(2).max(10).optional().meta({ default: 3 }).describe('η: the best 1/η of a rung go on, with η times the resource'),
  })
  .refine((a) => a.minResource < a.maxResource, { message: 'asha needs minResource < maxResource' });

/** The parameter that carries an ASHA rung's resource. */
export const ashaResource = (asha: Pick<z.infer<typeof ashaSchema>, 'resource'>): string => asha.resource ?? 'epochs';

/** How trials are chosen: exactly one algorithm. */
export const searchAlgorithmSchema = z
  .object({
    random: z.object({ seed: z.int().min(0).optional().describe('0 when unset') }).optional().describe('independent random draws from the space'),
    grid: z
      .object({ points: z.int().min(2).max(100).optional().meta({ default: 3 }).describe('values per uniform or logUniform dimension (ints and choices are enumerated whole)') })
      .optional()
      .describe('every point of the space, in order'),
    asha: ashaSchema.optional(),
  })
  .refine((a) => [a.random, a.grid, a.asha].filter((x) => x !== undefined).length === 1, { message: 'set exactly one algorithm: random, grid or asha' });

/** How trials are chosen. */
export type SearchAlgorithm = z.infer<typeof searchAlgorithmSchema>;

/** What a search may spend. */
export const searchBudgetSchema = z.object({
  maxTrials: z.int().min(1).max(maxSearchTrials).describe('the most trials (configurations) started'),
  maxSeconds: z.int().min(1).optional().describe('no trial starts, and running ones stop, this long after the search started'),
  maxGPUs: z.int().min(1).optional().describe("the most GPUs trials use at once: as many trials run as their train Algo's GPUs fit"),
});

/** What a search may spend. */
export type SearchBudget = z.infer<typeof searchBudgetSchema>;

/** A budgeted trial search. */
export const searchSchema = z.object({
  algo: objectRefSchema.describe('the train Algo every trial runs'),
  testAlgo: objectRefSchema.optional().describe("the Algo that scores each trial's model; the train task's own metrics.json when unset"),
  namespace: dnsLabelSchema.optional().describe("where the trials run (where the data is); the plan's namespace when unset"),
  datasetRef: objectRefSchema.describe('the Dataset trained on, in that namespace'),
  testDatasetRef: objectRefSchema.optional().describe('the Dataset tested on; datasetRef when unset'),
  space: z
    .record(paramNameSchema, dimensionSchema)
    .refine((space) => Object.keys(space).length >= 1 && Object.keys(space).length <= maxParams, `a space has 1 to ${maxParams} parameters`)
    .refine((space) => new Set(Object.keys(space).map(paramEnvName)).size === Object.keys(space).length, 'parameter names must differ in more than case')
    .meta({ minProperties: 1, maxProperties: maxParams })
    .describe('the parameters, by name'),
  objective: objectiveSchema,
  algorithm: searchAlgorithmSchema,
  budget: searchBudgetSchema,
  keepBest: z.int().min(1).max(maxSearchTrials).optional().meta({ default: 3 }).describe("with cleanIntermediateOutputs: the outputs of every other trial are released once the search ended"),
}).refine((s) => !s.algorithm.asha || !Object.hasOwn(s.space, ashaResource(s.algorithm.asha)), {
  message: "asha's resource parameter is set by the rung: it cannot be in the space too",
});

/** A budgeted trial search. */
export type Search = z.infer<typeof searchSchema>;

/**
 * The most tasks a search can expand into: per trial a train and (with testAlgo) a test, and with
 * ASHA at most twice as many rungs as trials in all (n + n/η + n/η² + … ≤ 2n for η ≥ 2).
 */
export function searchTaskBound(search: Pick<Search, 'budget' | 'testAlgo' | 'algorithm'>): number {
  return search.budget.maxTrials * (search.testAlgo ? 2 : 1) * (search.algorithm.asha ? 2 : 1);
}

/** searchTaskBound in CEL, for the search at `path`. */
export function searchTaskBoundCel(path: string): string {
  return `${path}.budget.maxTrials * (has(${path}.testAlgo) ? 2 : 1) * (has(${path}.algorithm.asha) ? 2 : 1)`;
}

/** Where a trial is. */
export const TrialState = {
  Pending: 'Pending',
  Running: 'Running',
  /** ASHA: it finished a rung and waits to learn whether it goes on. */
  Paused: 'Paused',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  /** Stopped early (ASHA did not promote it), or by the time budget or a cancel. */
  Stopped: 'Stopped',
} as const;

/** Why a search ended: the reason of the SearchEnded condition. */
export const SearchEndReason = {
  Searching: 'Searching',
  MaxTrials: 'MaxTrials',
  MaxSeconds: 'MaxSeconds',
  /** Every point of a grid was tried before maxTrials. */
  Exhausted: 'Exhausted',
  /** A trial needs more GPUs than budget.maxGPUs: none can start. */
  MaxGPUs: 'MaxGPUs',
  Canceled: 'Canceled',
} as const;

/** One trial as the plan records it: the advisor's decision (id, params, rung) and what came of it. */
export const trialStatusSchema = z.object({
  id: dnsLabelSchema.describe('t<n>: its tasks are t<n>-train and t<n>-test (t<n>-r<rung>-… with asha)'),
  params: paramsSchema,
  rung: z.int().min(0).optional().describe('asha: the highest rung started'),
  state: z.enum(TrialState),
  objective: z.number().optional().describe("the objective's value (asha: at its highest finished rung)"),
  startTime: timestampSchema.optional(),
  durationSeconds: z.int().min(0).optional().describe('from its first task started to its last finished'),
});

/** One trial of a search. */
export type TrialStatus = z.infer<typeof trialStatusSchema>;

/** The search's own record: when it started (maxSeconds counts from there) and its best trial. */
export const searchStatusSchema = z.object({
  startTime: timestampSchema.optional(),
  bestTrial: dnsLabelSchema.optional(),
});

/** The CEL rules of the search strategy (computePlanCelRules includes them). */
export const searchCelRules: readonly CelRule[] = [
  {
    path: 'spec',
    rule: '!has(self.strategy) || !has(self.strategy.search) || !has(self.tasks) || self.tasks.size() == 0',
    message: "a search plan's tasks are its trials: spec.tasks must be empty",
  },
  {
    path: 'spec.strategy.search.algorithm',
    rule: '(has(self.random) ? 1 : 0) + (has(self.grid) ? 1 : 0) + (has(self.asha) ? 1 : 0) == 1',
    message: 'set exactly one algorithm: random, grid or asha',
  },
  {
    path: 'spec.strategy.search.algorithm.asha',
    rule: 'self.minResource < self.maxResource',
    message: 'asha needs minResource < maxResource',
  },
  {
    path: 'spec.strategy.search',
    rule: 'self.space.all(name, (!has(self.space[name].int) || self.space[name].int.min <= self.space[name].int.max) && (!has(self.space[name].uniform) || self.space[name].uniform.min < self.space[name].uniform.max) && (!has(self.space[name].logUniform) || (self.space[name].logUniform.min > 0.0 && self.space[name].logUniform.min < self.space[name].logUniform.max)))',
    message: 'each range needs min < max (min <= max for int, 0 < min for logUniform)',
  },
  {
    path: 'spec.strategy.search',
    // CEL has no type for a list of untyped values (choice), so it cannot see it: the controller
    // checks the rest (a parameter with none of the four, or a choice beside a range, is InvalidSpec).
    rule: 'self.space.all(name, (has(self.space[name].int) ? 1 : 0) + (has(self.space[name].uniform) ? 1 : 0) + (has(self.space[name].logUniform) ? 1 : 0) <= 1)',
    message: 'set exactly one of choice, int, uniform or logUniform for each parameter',
  },
];
