import { describe, expect, it } from 'vitest';
import { makeAlgo, makeDataset, makePlan, makeTask, observe, taskJob, type PlanBuilder, type TaskJobBuilder } from '../../../test/support/plan-builders.ts';
import { namedByPlan, recordedTokens, retryTokensOf, specDifferences } from './identity.ts';
import { taskJobName } from './names.ts';
import { decide, type PlanDecision } from './schedule.ts';

// Adoption by identity: each case is an attack or a fault a tenant can stage with Jobs in its own
// namespace, and what the plan makes of it. A Job stands for a task only in the task's namespace,
// under a name the plan gave it, with the spec the plan creates for it.

/** Trainers in org-b and org-c, an aggregate in the plan's namespace org-a reading both, a test reading it. */
const federated = (): PlanBuilder =>
  makePlan().task(
    makeTask('train-b').in('org-b').dataset('data', 'data'),
    makeTask('train-c').in('org-c').dataset('data', 'data'),
    makeTask('aggregate').from('b', 'train-b').from('c', 'train-c'),
    makeTask('test').in('org-b').dataset('data', 'data').from('model', 'aggregate'),
  );
const data = (): Array<ReturnType<typeof makeDataset>> => [makeDataset('data', 'org-b').authorize('org-a'), makeDataset('data', 'org-c').authorize('org-a')];
const world = (plan: PlanBuilder, ...jobs: TaskJobBuilder[]): PlanDecision => decide(observe(plan).algos(makeAlgo()).datasets(...data()).jobs(...jobs).obj());
const created = (d: PlanDecision): string[] => d.create.map((c) => c.job.metadata.labels!['tessera.dev/task']!);
const ready = (d: PlanDecision): { status: string; reason: string; message: string } | undefined => d.status.conditions?.find((c) => c.type === 'Ready');
const trainersDone = (): TaskJobBuilder[] => [taskJob('train-b', 'org-b').succeeded(), taskJob('train-c', 'org-c').succeeded()];
const aggregateName = taskJobName('plan', 'aggregate', 'uid-plan', '');

describe('adoption by identity', () => {
  it('ignores a succeeded aggregate faked in a trainer namespace: consumers wait for the real one', () => {
    const fake = taskJob('aggregate').in('org-b').succeeded();
    const d = world(federated(), ...trainersDone(), taskJob('aggregate').running(), fake);
    expect(created(d)).toEqual([]);
    expect(d.status.counts).toMatchObject({ running: 1, succeeded: 2, pending: 1 });
    expect(d.ignored.map((i) => i.why)).toEqual(['task aggregate runs in namespace org-a, not org-b']);
    expect(d.status.ignoredJobs).toEqual([`org-b/${aggregateName}`]);
  });

  it('ignores a Job in the task namespace under a name the plan never gave', () => {
    const fake = taskJob('train-b', 'org-b').named('train-b-fake').succeeded();
    const d = world(federated(), fake);
    expect(created(d)).toEqual(['train-b', 'train-c']);
    expect(d.ignored[0]?.why).toMatch(/never named a Job of task train-b train-b-fake/);
  });

  it('does not let a Failed impostor make FailFast cancel the plan', () => {
    const d = world(federated(), taskJob('train-b', 'org-b').running(), taskJob('train-c', 'org-b').failed());
    expect(d.cancel).toEqual([]);
    expect(d.status.phase).toBe('Running');
    expect(created(d)).toEqual(['train-c']);
  });

  it('does not count Queued impostors against parallelism', () => {
    const impostors = ['x1', 'x2', 'x3'].map((n) => taskJob('train-b', 'org-b').named(n));
    const d = world(federated().spec({ parallelism: 2 }), ...impostors);
    expect(created(d)).toEqual(['train-b', 'train-c']);
  });

  it('fails a task NameTaken when its Job name is held with another spec, naming the Job', () => {
    const squatter = taskJob('train-b', 'org-b').spec({ image: 'evil/train:1' });
    const d = world(federated(), squatter, taskJob('train-c', 'org-c').running());
    expect(created(d)).toEqual([]);
    expect(d.status.counts).toMatchObject({ failed: 1 });
    expect(ready(d)).toMatchObject({ reason: 'NameTaken' });
    expect(ready(d)?.message).toMatch(/Job org-b\/plan-train-b-[0-9a-f]{6} was not created by this plan: .*\(image.* differ\)/);
    expect(d.cancel.map((r) => r.name)).toEqual([taskJobName('plan', 'train-c', 'uid-plan', '')]);
  });

  it('neither cancels, deletes nor releases a Job it does not own', () => {
    const squatter = taskJob('train-b', 'org-b').spec({ image: 'evil/train:1' }).failed();
    const d = world(federated().retry('r1'), squatter);
    expect(d.delete).toEqual([]);
    expect(d.cancel).toEqual([]);
  });

  it('adopts a Job a tenant created ahead of the plan under its name with exactly its spec: it runs what the plan would', () => {
    const d = world(federated(), taskJob('train-b', 'org-b').running());
    expect(d.ignored).toEqual([]);
    expect(created(d)).toEqual(['train-c']);
  });

  it('stops standing on its own Job once its spec is edited (a tenant changing the image)', () => {
    const edited = taskJob('aggregate').spec({ image: 'evil/agg:1' }).succeeded();
    const d = world(federated(), ...trainersDone(), edited);
    expect(created(d)).toEqual([]);
    expect(ready(d)).toMatchObject({ reason: 'NameTaken' });
  });

  it('neither adopts nor reports a Job whose spec it cannot work out yet (its Algo is gone)', () => {
    const d = decide(observe(federated()).datasets(...data()).jobs(taskJob('train-b', 'org-b').running()).obj());
    expect(d.ignored).toEqual([]);
    expect(d.status.counts).toMatchObject({ running: 0, pending: 4 });
  });

  it('reports a Job labelled with a task the plan does not have', () => {
    const d = world(federated(), taskJob('ghost', 'org-b'));
    expect(d.ignored.map((i) => i.why)).toEqual(['the plan has no task ghost']);
  });

  it('keeps standing on a succeeded Job named under an earlier retry token it recorded', () => {
    const plan = federated().retry('r2').status({ appliedRetry: 'r2', retryTokens: ['r1', 'r2'] });
    const d = world(plan, taskJob('train-b', 'org-b').succeeded().token('r1'), taskJob('train-c', 'org-c').running().token('r2'));
    expect(d.ignored).toEqual([]);
    expect(d.status.counts).toMatchObject({ succeeded: 1, running: 1 });
  });

  it('ignores a Job named under a token the plan never used', () => {
    const d = world(federated(), taskJob('train-b', 'org-b').succeeded().token('guessed'));
    expect(d.ignored).toHaveLength(1);
    expect(created(d)).toEqual(['train-b', 'train-c']);
  });

  it('records every retry token it names Jobs with', () => {
    const first = world(federated().retry('r1'));
    expect(first.status).toMatchObject({ appliedRetry: 'r1', retryTokens: ['r1'] });
    const second = world(federated().retry('r2').status(first.status));
    expect(second.status.retryTokens).toEqual(['r1', 'r2']);
  });

  it('fails a task whose Job the API server refused, until a retry', () => {
    const refused = { task: 'train-b', message: 'admission webhook "policy" denied the request' };
    const d = world(federated().status({ refusedTasks: [refused] }), taskJob('train-c', 'org-c').running());
    expect(ready(d)).toMatchObject({ reason: 'InvalidSpec' });
    expect(ready(d)?.message).toMatch(/admission webhook "policy" denied/);
    expect(d.status.refusedTasks).toEqual([refused]);
    const retried = world(federated().retry('r1').status({ refusedTasks: [refused] }));
    expect(created(retried)).toEqual(['train-b', 'train-c']);
    expect(retried.status.refusedTasks).toBeUndefined();
  });
});

describe('specDifferences', () => {
  it.each([
    { name: 'the same spec', actual: { image: 'a' }, desired: { image: 'a' }, want: [] },
    { name: 'cancel set on the Job', actual: { image: 'a', cancel: true }, desired: { image: 'a' }, want: [] },
    { name: 'retries defaulted by the CRD', actual: { image: 'a', retries: 0 }, desired: { image: 'a' }, want: [] },
    { name: 'keys in another order', actual: { image: 'a', code: { digest: 'd' }, outputs: [{ name: 'm' }] }, desired: { outputs: [{ name: 'm' }], image: 'a', code: { digest: 'd' } }, want: [] },
    { name: 'another image and an extra env', actual: { image: 'b', env: [{ name: 'X' }] }, desired: { image: 'a' }, want: ['env', 'image'] },
    { name: 'an input swapped', actual: { image: 'a', inputs: [{ name: 'm', fileSet: { digest: 'x' } }] }, desired: { image: 'a', inputs: [{ name: 'm', fileSet: { digest: 'y' } }] }, want: ['inputs'] },
  ])('$name', ({ actual, desired, want }) => {
    expect(specDifferences(actual, desired)).toEqual(want);
  });
});

describe('retry tokens', () => {
  it.each([
    { name: 'before any retry', status: undefined, current: '', want: [''] },
    { name: 'the first retry', status: undefined, current: 'r1', want: ['', 'r1'] },
    { name: 'an older status without the list', status: { appliedRetry: 'r3' }, current: 'r3', want: ['', 'r3'] },
    { name: 'all recorded, current last', status: { appliedRetry: 'r2', retryTokens: ['r1', 'r2'] }, current: 'r2', want: ['', 'r1', 'r2'] },
    { name: 'back to the empty token', status: { appliedRetry: 'r1', retryTokens: ['r1'] }, current: '', want: ['r1', ''] },
  ])('$name', ({ status, current, want }) => {
    const plan = makePlan().obj();
    if (status) plan.status = status;
    expect(retryTokensOf(plan, current)).toEqual(want);
  });

  it('records the newest tokens, without the empty one', () => {
    expect(recordedTokens(['', 'r1', 'r2', 'r3'], 2)).toEqual(['r2', 'r3']);
  });
});

describe('namedByPlan: what a deleted plan cleans up', () => {
  const plan = federated().status({ appliedRetry: 'r1', retryTokens: ['r1'] }).obj();
  const tasks = plan.spec.tasks!;
  it.each([
    { name: 'its Job under the first token', job: taskJob('train-b', 'org-b'), want: true },
    { name: 'its Job under a later token', job: taskJob('train-b', 'org-b').token('r1'), want: true },
    { name: 'a name it never gave', job: taskJob('train-b', 'org-b').named('train-b-fake'), want: false },
    { name: 'its name in another namespace', job: taskJob('train-b', 'org-c'), want: false },
    { name: 'a task it does not have', job: taskJob('ghost', 'org-b'), want: false },
  ])('$name: $want', ({ job, want }) => {
    expect(namedByPlan(plan, (name) => tasks.find((t) => t.name === name), job.obj())).toBe(want);
  });
});
