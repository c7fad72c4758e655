import { describe, expect, it } from 'vitest';
import type { Task } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { makeAlgo, makeDataset, makeTask, taskJob, type TaskBuilder, type TaskJobBuilder } from '../../../test/support/plan-builders.ts';
import { classifyTasks } from './classify.ts';
import { buildDag, orderDag } from './dag.ts';
import { testNamespaceUid } from '../../../test/support/job-builders.ts';

function classify(builders: TaskBuilder[], jobBuilders: TaskJobBuilder[]): string[] {
  const tasks: Task[] = builders.map((b) => b.obj());
  const dag = buildDag(tasks);
  const ordered = orderDag(dag);
  if (!ordered.acyclic) throw new Error('cycle');
  const jobs = new Map<string, TesseraJob>(jobBuilders.map((b) => b.obj()).map((j) => [j.metadata.labels!['tessera.dev/task']!, j]));
  const algo = makeAlgo().obj();
  const datasets = new Map([makeDataset('mine').obj(), makeDataset('theirs', 'org-b').obj()].map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d]));
  const views = classifyTasks({
    tasks,
    dag,
    order: ordered.order,
    jobs,
    readiness: {
      planNamespace: 'org-a',
      algo: (name) => (name === 'train' ? algo : undefined),
      dataset: (ns, name) => datasets.get(`${ns}/${name}`),
      namespaceUid: testNamespaceUid,
      task: (name) => tasks.find((t) => t.name === name),
      job: (task) => jobs.get(task),
    },
  });
  return views.map((v) => (v.readiness ? `${v.state}:${v.readiness.kind}` : v.state));
}

describe('classifyTasks', () => {
  it.each([
    { name: 'a root ready to start', tasks: [makeTask('a')], jobs: [], want: ['pending:ready'] },
    { name: 'a child waiting on its running parent', tasks: [makeTask('a'), makeTask('b').from('m', 'a')], jobs: [taskJob('a').running()], want: ['running', 'pending:waiting'] },
    { name: 'a child ready once its parent succeeded', tasks: [makeTask('a'), makeTask('b').from('m', 'a')], jobs: [taskJob('a').succeeded()], want: ['succeeded', 'pending:ready'] },
    {
      name: 'descendants of a failed task, however deep, listed before it',
      tasks: [makeTask('c').from('m', 'b'), makeTask('b').from('m', 'a'), makeTask('a'), makeTask('x')],
      jobs: [taskJob('a').failed()],
      want: ['canceled', 'canceled', 'failed', 'pending:ready'],
    },
    { name: 'a child of a canceled task', tasks: [makeTask('a'), makeTask('b').from('m', 'a')], jobs: [taskJob('a').canceled()], want: ['canceled', 'canceled'] },
    {
      name: 'an unauthorized task, and its child canceled',
      tasks: [makeTask('t').in('org-b').dataset('d', 'theirs'), makeTask('u').from('m', 't')],
      jobs: [],
      want: ['failed:failed', 'canceled'],
    },
    { name: 'a task whose Algo is missing', tasks: [makeTask('a').algo('ghost')], jobs: [], want: ['pending:waiting'] },
    { name: 'a task with a Job keeps its state whatever its readiness', tasks: [makeTask('a').algo('ghost')], jobs: [taskJob('a').succeeded()], want: ['succeeded'] },
  ])('$name', ({ tasks, jobs, want }) => {
    expect(classify(tasks, jobs)).toEqual(want);
  });
});
