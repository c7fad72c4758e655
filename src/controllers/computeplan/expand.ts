import type { ComputePlanSpec, FedAvg, Task } from '../../api/computeplan.ts';

// A plan's tasks: what the user wrote, then what its strategy expands into. The expansion is
// deterministic (names, order, inputs), so every reconcile sees the same DAG and the same Job names.

/** The task that trains trainer `i` in round `r`. */
export const trainTaskName = (round: number, trainer: number): string => `r${round}-train-${trainer}`;
/** The task that aggregates round `r`. */
export const aggregateTaskName = (round: number): string => `r${round}-aggregate`;
/** The task that tests the aggregate of round `r` on trainer `i`'s test data. */
export const testTaskName = (round: number, trainer: number): string => `r${round}-test-${trainer}`;

/** The output every fedAvg train and aggregate Algo writes, and the input that reads it. */
export const modelIO = 'model';
/** The input through which fedAvg train and test tasks read their Dataset. */
export const dataIO = 'data';

function trainTask(fedAvg: FedAvg, round: number, trainer: number): Task {
  const { namespace, datasetRef } = fedAvg.trainers[trainer]!;
  const inputs: Task['inputs'] = [{ name: dataIO, datasetRef: { name: datasetRef.name } }];
  if (round > 1) inputs.push({ name: modelIO, taskOutput: { task: aggregateTaskName(round - 1), output: modelIO } });
  return { name: trainTaskName(round, trainer), algoRef: { name: fedAvg.trainAlgo.name }, namespace, round, inputs };
}

function aggregateTask(fedAvg: FedAvg, round: number): Task {
  const inputs = fedAvg.trainers.map((_, i) => ({
    name: `${modelIO}-${i}`,
    taskOutput: { task: trainTaskName(round, i), output: modelIO },
  }));
  // An unset aggregatorNamespace stays unset: a task without a namespace runs in the plan's.
  const namespace = fedAvg.aggregatorNamespace;
  return { name: aggregateTaskName(round), algoRef: { name: fedAvg.aggregateAlgo.name }, ...(namespace ? { namespace } : {}), round, inputs };
}

function testTask(fedAvg: FedAvg, testAlgo: string, round: number, trainer: number): Task {
  const { namespace, datasetRef, testDatasetRef } = fedAvg.trainers[trainer]!;
  return {
    name: testTaskName(round, trainer),
    algoRef: { name: testAlgo },
    namespace,
    round,
    inputs: [
      { name: dataIO, datasetRef: { name: (testDatasetRef ?? datasetRef).name } },
      { name: modelIO, taskOutput: { task: aggregateTaskName(round), output: modelIO } },
    ],
  };
}

function isTestedRound(fedAvg: FedAvg, round: number): boolean {
  return round % (fedAvg.evaluateEvery ?? 1) === 0 || round === fedAvg.rounds;
}

/**
 * The tasks of federated averaging, round by round: a train per trainer (on the previous round's
 * aggregate after round 1), an aggregate of them, then, in every k-th round and the last, a test per
 * trainer of that aggregate. Its length is fedAvgTaskCount(fedAvg).
 */
export function expandFedAvg(fedAvg: FedAvg): Task[] {
  const tasks: Task[] = [];
  const trainers = fedAvg.trainers.map((_, i) => i);
  for (let round = 1; round <= fedAvg.rounds; round++) {
    tasks.push(...trainers.map((i) => trainTask(fedAvg, round, i)), aggregateTask(fedAvg, round));
    const testAlgo = fedAvg.testAlgo?.name;
    if (testAlgo && isTestedRound(fedAvg, round)) tasks.push(...trainers.map((i) => testTask(fedAvg, testAlgo, round, i)));
  }
  return tasks;
}

/**
 * Every task of a plan: spec.tasks in order, then the expansion of its strategy. Names may clash
 * between the two; duplicateTaskNames finds that. Callers bound the size first (plannedTaskCount).
 */
export function planTasks(spec: Pick<ComputePlanSpec, 'tasks' | 'strategy'>): Task[] {
  const explicit = spec.tasks ?? [];
  const fedAvg = spec.strategy?.fedAvg;
  return fedAvg ? [...explicit, ...expandFedAvg(fedAvg)] : [...explicit];
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

/**
 * What a task expanded from the strategy does, whatever its Algo declares: a fedAvg train task
 * trains (so it never reads test-only data even with an Algo that claims to be a metric), an
 * aggregate aggregates, a test measures. Undefined for tasks written out in spec.tasks: names
 * cannot clash with expanded ones (duplicateTaskNames), so a name in the expansion's range is one.
 */
export function strategyRole(spec: Pick<ComputePlanSpec, 'strategy'>, task: string): 'train' | 'aggregate' | 'metric' | undefined {
  const fedAvg = spec.strategy?.fedAvg;
  if (!fedAvg) return undefined;
  const role = roleNames.find(({ pattern }) => pattern.test(task));
  if (!role || (role.category === 'metric' && !fedAvg.testAlgo)) return undefined;
  const [round, trainer] = roundAndTrainer(role.pattern, task);
  const expanded = role.name(round, trainer) === task && round >= 1 && round <= fedAvg.rounds && trainer < fedAvg.trainers.length;
  return expanded ? role.category : undefined;
}

function roundAndTrainer(pattern: RegExp, task: string): [number, number] {
  const match = pattern.exec(task);
  return [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
}
