import type { Algo } from '../../src/api/algo.ts';
import type { ComputePlan, ComputePlanStatus, FedAvg, Task } from '../../src/api/computeplan.ts';
import type { Dataset } from '../../src/api/dataset.ts';
import type { TesseraJob, TesseraJobStatus } from '../../src/api/job.ts';
import { digestOf } from './digest.ts';
import { InputDatasetBuilder, ReadyAlgoBuilder, testNamespaceUid } from './job-builders.ts';
import { outputsReleasedAnnotation, planLabels, taskJobName } from '../../src/controllers/computeplan/names.ts';
import type { PlanObservation } from '../../src/controllers/computeplan/schedule.ts';
import { desiredTaskJob } from '../../src/controllers/computeplan/desired.ts';
import type { BoundInput } from '../../src/controllers/computeplan/readiness.ts';
import { validPlanTasks } from '../../src/controllers/computeplan/validation.ts';

// Builders for ComputePlans, their tasks, the Algos and Datasets they name and the Jobs they create,
// so a table test states only what differs, e.g.
// `makePlan().task(makeTask('b').from('model', 'a')).obj()` or `taskJob('a').succeeded().obj()`.

export { digestOf };

/** A task running Algo `train` in the plan's namespace, with no inputs. */
export class TaskBuilder {
  private readonly task: Task;

  constructor(name: string) {
    this.task = { name, algoRef: { name: 'train' }, inputs: [] };
  }

  algo(name: string): this {
    this.task.algoRef = { name };
    return this;
  }

  in(namespace: string): this {
    this.task.namespace = namespace;
    return this;
  }

  round(round: number): this {
    this.task.round = round;
    return this;
  }

  /** Binds input `input` to Dataset `name` of the task's namespace. */
  dataset(input: string, name: string): this {
    this.task.inputs.push({ name: input, datasetRef: { name } });
    return this;
  }

  /** Binds input `input` to output `output` of task `task`. */
  from(input: string, task: string, output = 'model'): this {
    this.task.inputs.push({ name: input, taskOutput: { task, output } });
    return this;
  }

  set(fields: Partial<Task>): this {
    Object.assign(this.task, fields);
    return this;
  }

  obj(): Task {
    return structuredClone(this.task);
  }
}

/** A ComputePlan `plan` in `org-a`, with a uid and generation 1, and no tasks. */
export class PlanBuilder {
  private readonly plan: ComputePlan;

  constructor(name: string, namespace: string) {
    this.plan = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'ComputePlan',
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
      spec: {},
    };
  }

  task(...tasks: Array<TaskBuilder | Task>): this {
    this.plan.spec.tasks = [...(this.plan.spec.tasks ?? []), ...tasks.map((t) => (t instanceof TaskBuilder ? t.obj() : t))];
    return this;
  }

  fedAvg(fedAvg: FedAvg): this {
    this.plan.spec.strategy = { fedAvg };
    return this;
  }

  spec(fields: Partial<ComputePlan['spec']>): this {
    Object.assign(this.plan.spec, fields);
    return this;
  }

  retry(value: string): this {
    this.plan.metadata.annotations = { ...this.plan.metadata.annotations, 'tessera.dev/retry': value };
    return this;
  }

  status(fields: Partial<ComputePlanStatus>): this {
    this.plan.status = { ...this.plan.status, ...fields };
    return this;
  }

  obj(): ComputePlan {
    return structuredClone(this.plan);
  }
}

/**
 * A Job of task `task` of plan `plan` (uid `uid-plan`, namespace `org-a`), as the Job controller
 * reports it: labelled like the plan's Jobs, named like them (retry token ''), phase Pending.
 */
export class TaskJobBuilder {
  private readonly job: TesseraJob;
  /** Set by spec(), in() or named(): the Job keeps what it was given, as an impostor would. */
  ownSpec = false;
  /** The retry token it is named under. */
  retryToken = '';

  constructor(task: string, namespace: string) {
    this.job = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Job',
      metadata: {
        name: taskJobName('plan', task, 'uid-plan', ''),
        namespace,
        uid: `uid-job-${task}`,
        labels: { [planLabels.plan]: 'plan', [planLabels.planNamespace]: 'org-a', [planLabels.planUid]: 'uid-plan', [planLabels.task]: task },
      },
      spec: { image: 'local/train:1', outputs: [{ name: 'model' }] },
      status: { phase: 'Pending' },
    };
  }

  phase(phase: TesseraJobStatus['phase'], reason?: string): this {
    this.job.status = { ...this.job.status, phase, ...(reason ? { reason } : {}) };
    return this;
  }

  running(): this {
    return this.phase('Running');
  }

  /** Succeeded, with output `model` (digest `digestOf('<task>/model')`) unless outputs are given. */
  succeeded(...outputs: string[]): this {
    const names = outputs.length ? outputs : ['model'];
    const task = this.job.metadata.labels![planLabels.task]!;
    this.job.status = {
      ...this.job.status,
      phase: 'Succeeded',
      outputs: names.map((name) => ({ name, digest: digestOf(`${task}/${name}`), files: 1, bytes: 1 })),
    };
    return this;
  }

  failed(reason = 'BackoffLimitExceeded'): this {
    return this.phase('Failed', reason);
  }

  canceled(): this {
    return this.phase('Canceled', 'Canceled');
  }

  metrics(metrics: Record<string, number>): this {
    this.job.status = { phase: 'Pending', ...this.job.status, metrics };
    return this;
  }

  cancelRequested(): this {
    this.job.spec.cancel = true;
    return this;
  }

  released(): this {
    this.job.metadata.annotations = { ...this.job.metadata.annotations, [outputsReleasedAnnotation]: 'true' };
    return this;
  }

  deleting(): this {
    this.job.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    return this;
  }

  /** Named as under retry token `token`. */
  token(token: string): this {
    const task = this.job.metadata.labels![planLabels.task]!;
    this.job.metadata.name = taskJobName('plan', task, 'uid-plan', token);
    this.job.metadata.uid = `uid-job-${task}-${token}`;
    this.retryToken = token;
    return this;
  }

  /** A spec of its own (an impostor's), not the one the plan would create. */
  spec(fields: Partial<TesseraJob['spec']>): this {
    this.job.spec = { ...this.job.spec, ...fields };
    this.ownSpec = true;
    return this;
  }

  in(namespace: string): this {
    this.job.metadata.namespace = namespace;
    this.ownSpec = true;
    return this;
  }

  named(name: string): this {
    this.job.metadata.name = name;
    this.ownSpec = true;
    return this;
  }

  label(key: string, value: string): this {
    this.job.metadata.labels = { ...this.job.metadata.labels, [key]: value };
    return this;
  }

  obj(): TesseraJob {
    return structuredClone(this.job);
  }
}

/** What decide() observes, built up: `observe(plan).algos(makeAlgo('train')).jobs(...).obj()`. */
export class ObservationBuilder {
  private readonly algoList: Algo[] = [];
  private readonly datasetList: Dataset[] = [];
  private readonly jobList: TesseraJob[] = [];
  private now = new Date('2026-01-01T01:00:00Z');
  private readonly plan: ComputePlan;

  constructor(plan: ComputePlan) {
    this.plan = plan;
  }

  algos(...algos: Array<ReadyAlgoBuilder | Algo>): this {
    this.algoList.push(...algos.map((a) => (a instanceof ReadyAlgoBuilder ? a.obj() : a)));
    return this;
  }

  datasets(...datasets: Array<InputDatasetBuilder | Dataset>): this {
    this.datasetList.push(...datasets.map((d) => (d instanceof InputDatasetBuilder ? d.obj() : d)));
    return this;
  }

  /**
   * Jobs of the plan. Those from taskJob() get the spec the plan creates for their task (its Algo,
   * its parents' outputs among these Jobs), as if the plan had created them, unless given a spec().
   */
  jobs(...jobs: Array<TaskJobBuilder | TesseraJob>): this {
    this.jobList.push(...jobs.map((j) => (j instanceof TaskJobBuilder ? j.obj() : j)));
    this.asCreated.push(...jobs.map((j) => (j instanceof TaskJobBuilder && !j.ownSpec ? j.retryToken : undefined)));
    return this;
  }

  /** The retry token of each Job the plan created; undefined for a Job given as it is. */
  private readonly asCreated: Array<string | undefined> = [];

  /** `job` as the plan creates it for its task under `token`, when the task and its Algo are known. */
  private created(job: TesseraJob, token: string, known: { tasks: ReadonlyMap<string, Task>; algos: ReadonlyMap<string, Algo> }, succeeded: ReadonlyMap<string, TesseraJob>): TesseraJob {
    const task = known.tasks.get(job.metadata.labels?.[planLabels.task] ?? '');
    const algo = task && known.algos.get(task.algoRef.name);
    if (!task || !algo) return job;
    const inputs: BoundInput[] = task.inputs.map((input) => {
      if (input.datasetRef) return { name: input.name, dataset: input.datasetRef.name };
      const parent = succeeded.get(input.taskOutput!.task);
      const output = parent?.status?.outputs?.find((o) => o.name === input.taskOutput!.output);
      return { name: input.name, digest: output?.digest ?? digestOf('missing'), namespace: parent?.metadata.namespace ?? '' };
    });
    const desired = desiredTaskJob({ plan: this.plan, task, algo, inputs, retryToken: token }).job;
    const labels = { ...desired.metadata.labels, ...job.metadata.labels };
    const spec = { ...desired.spec, ...(job.spec.cancel ? { cancel: true } : {}) };
    return { ...job, metadata: { ...job.metadata, name: desired.metadata.name, labels }, spec };
  }

  at(now: Date): this {
    this.now = now;
    return this;
  }

  obj(): PlanObservation {
    const algos = new Map(this.algoList.map((a) => [a.metadata.name, a]));
    const datasets = new Map(this.datasetList.map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d]));
    const planned = validPlanTasks(this.plan.spec, this.plan.status?.trials);
    const tasks = new Map(planned.ok ? planned.tasks.map((t) => [t.name, t]) : []);
    const succeeded = new Map(this.jobList.filter((j) => j.status?.phase === 'Succeeded').map((j) => [j.metadata.labels?.[planLabels.task] ?? '', j]));
    const jobs = this.jobList.map((job, i) => {
      const token = this.asCreated[i];
      return token === undefined ? job : this.created(job, token, { tasks, algos }, succeeded);
    });
    return {
      plan: this.plan,
      jobs,
      algo: (name) => algos.get(name),
      dataset: (namespace, name) => datasets.get(`${namespace}/${name}`),
      namespaceUid: testNamespaceUid,
      now: this.now,
    };
  }
}

export const makeTask = (name: string): TaskBuilder => new TaskBuilder(name);
export const makePlan = (name = 'plan', namespace = 'org-a'): PlanBuilder => new PlanBuilder(name, namespace);
/** An Algo in `org-a`, Ready, running `local/train:1`, category train, writing output `model`. */
export const makeAlgo = (name = 'train', namespace = 'org-a'): ReadyAlgoBuilder => new ReadyAlgoBuilder(name, namespace).outputs('model');
/** A Dataset Ready at version 1, readable only in its own namespace. */
export const makeDataset = (name: string, namespace = 'org-a'): InputDatasetBuilder => new InputDatasetBuilder(name, namespace);
export const taskJob = (task: string, namespace = 'org-a'): TaskJobBuilder => new TaskJobBuilder(task, namespace);
export const observe = (plan: ComputePlan | PlanBuilder): ObservationBuilder => new ObservationBuilder(plan instanceof PlanBuilder ? plan.obj() : plan);
