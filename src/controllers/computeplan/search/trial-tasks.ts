import type { Task } from '../../../api/computeplan.ts';
import { ashaResource, type Search, type TrialStatus } from '../../../api/search.ts';
import { rungResources } from './asha.ts';

// The tasks of a search's trials, from what the plan recorded of them (status.trials): a trial is
// a train task on the search's Dataset with its parameters, and a test task of its model when the
// search has a testAlgo. With ASHA each rung the trial reached is such a pair; a rung past the
// first resumes from the `model` the one before wrote, with the rung's resource as a parameter.
// The expansion is deterministic, so every reconcile sees the same tasks and the same Job names.

/** What the plan recorded of a trial that its tasks depend on. */
export type TrialRecord = Pick<TrialStatus, 'id' | 'params' | 'rung'>;

/** The input through which trial tasks read their Dataset. */
const dataIO = 'data';
/** The output a train Algo writes its model to (and the input tests and later rungs read it from). */
const modelIO = 'model';

/** A trial task's name: `t3-train`, `t3-test`; with ASHA `t3-r1-train`. */
export function trialTaskName(search: Pick<Search, 'algorithm'>, trial: string, rung: number, role: 'train' | 'test'): string {
  return search.algorithm.asha ? `${trial}-r${rung}-${role}` : `${trial}-${role}`;
}

const trialTaskPattern = /^(t\d+)(?:-r(\d+))?-(train|test)$/;

/** The trial, rung and role a task name stands for, or undefined for a name no trial gives. */
export function parseTrialTask(search: Pick<Search, 'algorithm'>, task: string): { trial: string; rung: number; role: 'train' | 'test' } | undefined {
  const match = trialTaskPattern.exec(task);
  if (!match) return undefined;
  const parsed = { trial: match[1]!, rung: Number(match[2] ?? 0), role: match[3] as 'train' | 'test' };
  return trialTaskName(search, parsed.trial, parsed.rung, parsed.role) === task ? parsed : undefined;
}

/** What a search's task does: its train tasks train (whatever their Algo claims), its tests measure. */
export function searchRole(search: Pick<Search, 'algorithm' | 'testAlgo'>, task: string): 'train' | 'metric' | undefined {
  const parsed = parseTrialTask(search, task);
  if (!parsed || (parsed.role === 'test' && !search.testAlgo)) return undefined;
  return parsed.role === 'train' ? 'train' : 'metric';
}

/** A trial's parameters at a rung: ASHA adds the rung's resource under its parameter's name. */
export function rungParams(search: Search, record: TrialRecord, rung: number): TrialRecord['params'] {
  const asha = search.algorithm.asha;
  if (!asha) return record.params;
  const resources = rungResources(asha);
  return { ...record.params, [ashaResource(asha)]: resources[Math.min(rung, resources.length - 1)]! };
}

function rungTasks(search: Search, record: TrialRecord, rung: number): Task[] {
  const base = { namespace: search.namespace, params: rungParams(search, record, rung), round: search.algorithm.asha ? rung : undefined };
  const defined = <T extends object>(task: T): T => Object.fromEntries(Object.entries(task).filter(([, v]) => v !== undefined)) as T;
  const train = trialTaskName(search, record.id, rung, 'train');
  const resume: Task['inputs'] = rung > 0 ? [{ name: modelIO, taskOutput: { task: trialTaskName(search, record.id, rung - 1, 'train'), output: modelIO } }] : [];
  const tasks: Task[] = [defined({ ...base, name: train, algoRef: { name: search.algo.name }, inputs: [{ name: dataIO, datasetRef: { name: search.datasetRef.name } }, ...resume] })];
  if (search.testAlgo) {
    const inputs: Task['inputs'] = [{ name: dataIO, datasetRef: { name: (search.testDatasetRef ?? search.datasetRef).name } }, { name: modelIO, taskOutput: { task: train, output: modelIO } }];
    tasks.push(defined({ ...base, name: trialTaskName(search, record.id, rung, 'test'), algoRef: { name: search.testAlgo.name }, inputs }));
  }
  return tasks;
}

/** Every task of the recorded trials, trial by trial, rung by rung. */
export function trialTasks(search: Search | undefined, records: readonly TrialRecord[] | undefined): Task[] {
  if (!search || !records) return [];
  return records.flatMap((record) => Array.from({ length: (record.rung ?? 0) + 1 }, (_, rung) => rungTasks(search, record, rung)).flat());
}

/** The Datasets and Algo a search reads, whatever its trials: what its plan is queued on. */
export function searchDependencies(search: Search | undefined, planNamespace: string): string[] {
  if (!search) return [];
  const namespace = search.namespace ?? planNamespace;
  const algos = [search.algo, search.testAlgo].flatMap((a) => (a ? [`${planNamespace}/${a.name}`] : []));
  const datasets = [search.datasetRef, search.testDatasetRef].flatMap((d) => (d ? [`${namespace}/${d.name}`] : []));
  return [...algos, ...datasets];
}
