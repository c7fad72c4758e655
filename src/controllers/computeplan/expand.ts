import { federatedStrategy, type ComputePlanSpec, type Cyclic, type FederatedStrategy, type Strategy, type Task } from '../../api/computeplan.ts';
import { searchRole } from './search/trial-tasks.ts';

// A plan's tasks: what the user wrote, then what its strategy expands into. The expansion is
// deterministic (names, order, inputs), so every reconcile sees the same DAG and the same Job names.
// The three strategies share names and roles: `r<round>-train-<i>` trains on trainer i's data,
// `r<round>-aggregate` averages (fedAvg and personalized), `r<round>-test-<i>` tests on trainer i's data.

/** The task that trains trainer `i` in round `r`. */
export const trainTaskName = (round: number, trainer: number): string => `r${round}-train-${trainer}`;
/** The task that aggregates round `r`. */
export const aggregateTaskName = (round: number): string => `r${round}-aggregate`;
/** The task that tests the model of round `r` on trainer `i`'s test data. */
export const testTaskName = (round: number, trainer: number): string => `r${round}-test-${trainer}`;

/** The output every train and aggregate Algo writes (the shared trunk, in personalized), and the input that reads it. */
export const modelIO = 'model';
/** The input through which train and test tasks read their Dataset. */
export const dataIO = 'data';
/** The personalized train Algo's local output, and the input that reads it back: it never leaves the trainer's namespace. */
export const headIO = 'head';

/** Which strategy a plan has, and its settings. */
type Expansion = { kind: 'fedAvg' | 'personalized'; strategy: FederatedStrategy & { aggregateAlgo: { name: string } } } | { kind: 'cyclic'; strategy: Cyclic };

function expansionOf(strategy: Readonly<Strategy> | undefined): Expansion | undefined {
  if (strategy?.fedAvg) return { kind: 'fedAvg', strategy: strategy.fedAvg };
  if (strategy?.personalized) return { kind: 'personalized', strategy: strategy.personalized };
  if (strategy?.cyclic) return { kind: 'cyclic', strategy: strategy.cyclic };
  return undefined;
}

const fromTask = (name: string, task: string, output: string): Task['inputs'][number] => ({ name, taskOutput: { task, output } });

/** Where the model trainer `i` starts from in round `r`: the task that wrote it, if any. */
function previousModel(expansion: Expansion, round: number, trainer: number): string | undefined {
  if (expansion.kind !== 'cyclic') return round > 1 ? aggregateTaskName(round - 1) : undefined;
  if (trainer > 0) return trainTaskName(round, trainer - 1);
  return round > 1 ? trainTaskName(round - 1, expansion.strategy.trainers.length - 1) : undefined;
}

/** The model tested after round `r`: the aggregate, or in cyclic the round's last trainer's. */
function roundModel(expansion: Expansion, round: number): string {
  return expansion.kind === 'cyclic' ? trainTaskName(round, expansion.strategy.trainers.length - 1) : aggregateTaskName(round);
}

function trainTask(expansion: Expansion, round: number, trainer: number): Task {
  const { namespace, datasetRef } = expansion.strategy.trainers[trainer]!;
  const inputs: Task['inputs'] = [{ name: dataIO, datasetRef: { name: datasetRef.name } }];
  const model = previousModel(expansion, round, trainer);
  if (model) inputs.push(fromTask(modelIO, model, modelIO));
  if (expansion.kind === 'personalized' && round > 1) inputs.push(fromTask(headIO, trainTaskName(round - 1, trainer), headIO));
  return { name: trainTaskName(round, trainer), algoRef: { name: expansion.strategy.trainAlgo.name }, namespace, round, inputs };
}

function aggregateTask(strategy: FederatedStrategy & { aggregateAlgo: { name: string }; aggregatorNamespace?: string }, round: number): Task {
  const inputs = strategy.trainers.map((_, i) => fromTask(`${modelIO}-${i}`, trainTaskName(round, i), modelIO));
  // An unset aggregatorNamespace stays unset: a task without a namespace runs in the plan's.
  const namespace = strategy.aggregatorNamespace;
  return { name: aggregateTaskName(round), algoRef: { name: strategy.aggregateAlgo.name }, ...(namespace ? { namespace } : {}), round, inputs };
}

function testTask(expansion: Expansion, testAlgo: string, round: number, trainer: number): Task {
  const { namespace, datasetRef, testDatasetRef } = expansion.strategy.trainers[trainer]!;
  const inputs: Task['inputs'] = [{ name: dataIO, datasetRef: { name: (testDatasetRef ?? datasetRef).name } }, fromTask(modelIO, roundModel(expansion, round), modelIO)];
  if (expansion.kind === 'personalized') inputs.push(fromTask(headIO, trainTaskName(round, trainer), headIO));
  return { name: testTaskName(round, trainer), algoRef: { name: testAlgo }, namespace, round, inputs };
}

function isTestedRound(strategy: FederatedStrategy, round: number): boolean {
  return round % (strategy.evaluateEvery ?? 1) === 0 || round === strategy.rounds;
}

/** One round's tasks: the trains, the aggregate unless cyclic, then the tests if the round is tested. */
function roundTasks(expansion: Expansion, round: number): Task[] {
  const { strategy } = expansion;
  const trainers = strategy.trainers.map((_, i) => i);
  const tasks = trainers.map((i) => trainTask(expansion, round, i));
  if (expansion.kind !== 'cyclic') tasks.push(aggregateTask(expansion.strategy, round));
  const testAlgo = strategy.testAlgo?.name;
  if (testAlgo && isTestedRound(strategy, round)) tasks.push(...trainers.map((i) => testTask(expansion, testAlgo, round, i)));
  return tasks;
}

/**
 * The tasks of a federated strategy, round by round. fedAvg: a train per trainer (on the previous
 * round's aggregate after round 1), an aggregate of them. cyclic: the trains in trainer order, each
 * on the model the one before wrote, no aggregate. personalized: like fedAvg, and each train also
 * reads its own previous head, each test its round's head. Then, in every k-th round and the last, a
 * test per trainer of the round's model. Its length is strategyTaskCount of the strategy.
 */
export function expandStrategy(strategy: Readonly<Strategy> | undefined): Task[] {
  const expansion = expansionOf(strategy);
  if (!expansion) return [];
  const tasks: Task[] = [];
  for (let round = 1; round <= expansion.strategy.rounds; round++) tasks.push(...roundTasks(expansion, round));
  return tasks;
}

/**
 * Every task of a plan: spec.tasks in order, then the expansion of its strategy. Names may clash
 * between the two; duplicateTaskNames finds that. Callers bound the size first (plannedTaskCount).
 */
export function planTasks(spec: Pick<ComputePlanSpec, 'tasks' | 'strategy'>): Task[] {
  return [...(spec.tasks ?? []), ...expandStrategy(spec.strategy)];
}

/** Task names that appear more than once, each named once, in order of first repeat. */
export function duplicateTaskNames(tasks: readonly Pick<Task, 'name'>[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { name } of tasks) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated];
}

const roleNames: ReadonlyArray<{ pattern: RegExp; category: 'train' | 'aggregate' | 'metric'; name: (round: number, trainer: number) => string }> = [
  { pattern: /^r(\d+)-train-(\d+)$/, category: 'train', name: trainTaskName },
  { pattern: /^r(\d+)-aggregate$/, category: 'aggregate', name: aggregateTaskName },
  { pattern: /^r(\d+)-test-(\d+)$/, category: 'metric', name: testTaskName },
];

function roundAndTrainer(pattern: RegExp, task: string): [number, number] {
  const match = pattern.exec(task);
  return [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
}

/** Whether the strategy writes tasks of this kind at all: tests need a testAlgo, aggregates are not cyclic. */
function writesRole(strategy: Readonly<Strategy>, category: 'train' | 'aggregate' | 'metric'): boolean {
  if (category === 'metric') return federatedStrategy(strategy)?.testAlgo !== undefined;
  return category !== 'aggregate' || strategy.cyclic === undefined;
}

/**
 * What a task expanded from the strategy does, whatever its Algo declares: a train task trains (so
 * it never reads test-only data even with an Algo that claims to be a metric), an aggregate
 * aggregates, a test measures. Undefined for tasks written out in spec.tasks: names cannot clash
 * with expanded ones (duplicateTaskNames), so a name in the expansion's range is one.
 */
export function strategyRole(spec: Pick<ComputePlanSpec, 'strategy'>, task: string): 'train' | 'aggregate' | 'metric' | undefined {
  return spec.strategy?.search ? searchRole(spec.strategy.search, task) : federatedRole(spec, task);
}

function federatedRole(spec: Pick<ComputePlanSpec, 'strategy'>, task: string): 'train' | 'aggregate' | 'metric' | undefined {
  const strategy = federatedStrategy(spec.strategy);
  if (!strategy || !spec.strategy) return undefined;
  const role = roleNames.find(({ pattern }) => pattern.test(task));
  if (!role || !writesRole(spec.strategy, role.category)) return undefined;
  const [round, trainer] = roundAndTrainer(role.pattern, task);
  const expanded = role.name(round, trainer) === task && round >= 1 && round <= strategy.rounds && trainer < strategy.trainers.length;
  return expanded ? role.category : undefined;
}

/**
 * The outputs of the plan that must stay in the namespace that wrote them, as `task/output`: a
 * personalized strategy's heads. Whatever the plan's tasks, none in another namespace may read one.
 */
export function localOutputs(spec: Pick<ComputePlanSpec, 'strategy'>): Map<string, string> {
  const personalized = spec.strategy?.personalized;
  const local = new Map<string, string>();
  if (!personalized) return local;
  for (let round = 1; round <= personalized.rounds; round++) {
    personalized.trainers.forEach(({ namespace }, i) => local.set(`${trainTaskName(round, i)}/${headIO}`, namespace));
  }
  return local;
}
