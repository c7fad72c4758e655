import { describe, expect, it } from 'vitest';
import { makeReadyAlgo } from '../../../test/support/job-builders.ts';
import { makePlan, makeTask, taskJob } from '../../../test/support/plan-builders.ts';
import { digestOf, makePredictor, modelDigest, producerJob } from '../../../test/support/predictor-builders.ts';
import type { Algo } from '../../api/algo.ts';
import type { ComputePlan } from '../../api/computeplan.ts';
import type { TesseraJob } from '../../api/job.ts';
import { planLabels } from '../computeplan/names.ts';
import { predictorDependencies, resolvePredictor, type PredictorLookups } from './resolve.ts';

function lookups(objects: { jobs?: TesseraJob[]; plans?: ComputePlan[]; algos?: Algo[] }): PredictorLookups {
  const find = <T extends { metadata: { name: string; namespace?: string } }>(list: T[] | undefined) => (ns: string, name: string): T | undefined => list?.find((o) => o.metadata.namespace === ns && o.metadata.name === name);
  return {
    job: find(objects.jobs),
    plan: find(objects.plans),
    algo: find(objects.algos),
    jobsOfPlan: (uid) => (objects.jobs ?? []).filter((j) => j.metadata.labels?.[planLabels.planUid] === uid),
  };
}

describe('resolvePredictor', () => {
  it("serves a succeeded Job's model output with the spec's image", () => {
    const answer = resolvePredictor(makePredictor().obj(), lookups({ jobs: [producerJob('train', 'Succeeded', { model: modelDigest() })] }));
    expect(answer).toEqual({ kind: 'ready', resolved: { model: { digest: modelDigest(), source: 'job team-a/train/model' }, server: { image: 'local/serve:1', command: ['node', 'serve.js'] } } });
  });

  it.each([
    ['the Job does not exist', [], 'waiting', 'ModelNotFound'],
    ['the Job still runs', [producerJob('train', 'Running', {})], 'waiting', 'ModelNotReady'],
    ['the Job failed', [producerJob('train', 'Failed', {})], 'refused', 'ModelNotFound'],
    ['the Job has no such output', [producerJob('train', 'Succeeded', { weights: modelDigest() })], 'refused', 'ModelNotFound'],
  ])('%s: %s, %s', (_name, jobs, kind, reason) => {
    expect(resolvePredictor(makePredictor().obj(), lookups({ jobs }))).toMatchObject({ kind, reason });
  });

  it('reads the output the spec names', () => {
    const predictor = makePredictor().spec({ model: { job: { name: 'train', output: 'weights' } } }).obj();
    const answer = resolvePredictor(predictor, lookups({ jobs: [producerJob('train', 'Succeeded', { weights: modelDigest('w') })] }));
    expect(answer).toMatchObject({ kind: 'ready', resolved: { model: { digest: modelDigest('w'), source: 'job team-a/train/weights' } } });
  });

  it("refuses another namespace's Job NotAuthorized without looking at it: whether it exists is no answer", () => {
    const predictor = makePredictor().spec({ model: { job: { name: 'train', namespace: 'team-b' } } }).obj();
    const there = resolvePredictor(predictor, lookups({ jobs: [producerJob('train', 'Succeeded', { model: modelDigest() }, 'team-b')] }));
    const absent = resolvePredictor(predictor, lookups({}));
    expect(there).toMatchObject({ kind: 'refused', reason: 'NotAuthorized' });
    expect(absent).toEqual(there);
    expect(JSON.stringify(there)).not.toContain(modelDigest());
  });

  it('serves a digest as given', () => {
    const answer = resolvePredictor(makePredictor().spec({ model: { digest: modelDigest() } }).obj(), lookups({}));
    expect(answer).toMatchObject({ kind: 'ready', resolved: { model: { digest: modelDigest(), source: 'file set' } } });
  });

  it("serves a plan task's output from the Job the plan named, never an impostor's", () => {
    const plan = makePlan('plan', 'org-a').task(makeTask('agg')).obj();
    const predictor = makePredictor('serve', 'org-a').spec({ model: { plan: { name: 'plan', task: 'agg', output: 'model' } } }).obj();
    const real = taskJob('agg').succeeded().obj();
    expect(resolvePredictor(predictor, lookups({ plans: [plan], jobs: [real] }))).toMatchObject({ kind: 'ready', resolved: { model: { digest: digestOf('agg/model'), source: 'plan plan/agg/model' } } });
    const impostor = taskJob('agg').named('agg-impostor').succeeded().obj();
    expect(resolvePredictor(predictor, lookups({ plans: [plan], jobs: [impostor] }))).toMatchObject({ kind: 'waiting', reason: 'ModelNotReady' });
    expect(resolvePredictor(makePredictor('serve', 'org-a').spec({ model: { plan: { name: 'plan', task: 'nope', output: 'model' } } }).obj(), lookups({ plans: [plan] }))).toMatchObject({ kind: 'refused', reason: 'ModelNotFound' });
  });

  describe("a plan's best row", () => {
    const tasks = [makeTask('a-train').round(1), makeTask('a-test-0').round(1).from('model', 'a-train'), makeTask('b-train').round(2), makeTask('b-test-0').round(2).from('model', 'b-train')];
    const row = (task: string, value: number): { task: string; metric: string; value: number } => ({ task, metric: 'accuracy', value });
    const jobs = [taskJob('a-train').succeeded().obj(), taskJob('a-test-0').succeeded('performance').obj(), taskJob('b-train').succeeded().obj(), taskJob('b-test-0').succeeded('performance').obj()];
    const plan = (phase: 'Running' | 'Succeeded', performances: Array<ReturnType<typeof row>>): ComputePlan => makePlan('plan', 'org-a').task(...tasks).status({ phase, performances }).obj();
    const best = (fields: { follow?: boolean } = {}): ReturnType<typeof makePredictor> => makePredictor('serve', 'org-a').spec({ model: { plan: { name: 'plan', best: true, output: 'model', ...fields } } });
    const served = (task: string, rowText: string): { digest: string; source: string } => ({ digest: digestOf(`${task}/model`), source: `plan plan/${task}/model (best row ${rowText})` });

    it('waits for the plan to finish, then serves the model its top row evaluated', () => {
      expect(resolvePredictor(best().obj(), lookups({ plans: [plan('Running', [row('a-test-0', 0.6)])], jobs }))).toMatchObject({ kind: 'waiting', reason: 'ModelNotReady' });
      const answer = resolvePredictor(best().obj(), lookups({ plans: [plan('Succeeded', [row('b-test-0', 0.7), row('a-test-0', 0.6)])], jobs }));
      expect(answer).toMatchObject({ kind: 'ready', resolved: { model: served('b-train', 'accuracy=0.7 at b-test-0') } });
    });

    it('keeps the model it serves without follow, and with follow rolls to a better row only once the plan finished again', () => {
      const first = served('a-train', 'accuracy=0.6 at a-test-0');
      const serving = (follow: boolean): ReturnType<typeof makePredictor> => best({ follow }).status({ modelDigest: first.digest, modelSource: first.source, observedGeneration: 1 });
      const better = [row('b-test-0', 0.7), row('a-test-0', 0.6)];
      expect(resolvePredictor(serving(false).obj(), lookups({ plans: [plan('Succeeded', better)], jobs }))).toMatchObject({ resolved: { model: first } });
      expect(resolvePredictor(serving(true).obj(), lookups({ plans: [plan('Running', better)], jobs }))).toMatchObject({ resolved: { model: first } });
      expect(resolvePredictor(serving(true).obj(), lookups({ plans: [plan('Succeeded', better)], jobs }))).toMatchObject({ resolved: { model: served('b-train', 'accuracy=0.7 at b-test-0') } });
    });

    it('serves the row task\'s own output when it wrote the model, and refuses a row that neither wrote nor read it', () => {
      const trainScored = resolvePredictor(best().obj(), lookups({ plans: [plan('Succeeded', [row('b-train', 0.7)])], jobs }));
      expect(trainScored).toMatchObject({ resolved: { model: served('b-train', 'accuracy=0.7 at b-train') } });
      const weights = makePredictor('serve', 'org-a').spec({ model: { plan: { name: 'plan', best: true, output: 'weights' } } }).obj();
      expect(resolvePredictor(weights, lookups({ plans: [plan('Succeeded', [row('b-test-0', 0.7)])], jobs }))).toMatchObject({ kind: 'refused', reason: 'ModelNotFound' });
    });
  });

  it('runs a Ready predict Algo with its code and resources, the spec\'s command winning', () => {
    const algo = makeReadyAlgo('serve').spec({ category: 'predict', code: { digest: digestOf('code') }, resources: { cpu: 1 } }).obj();
    const predictor = makePredictor().spec({ image: undefined, algo: { name: 'serve' }, command: ['node', 'own.js'] }).obj();
    const answer = resolvePredictor(predictor, lookups({ algos: [algo], jobs: [producerJob('train', 'Succeeded', { model: modelDigest() })] }));
    expect(answer).toMatchObject({ kind: 'ready', resolved: { server: { image: 'local/serve:1', command: ['node', 'own.js'], code: digestOf('code'), resources: { cpu: 1 } } } });
  });

  it.each([
    ['missing', [], 'waiting', 'AlgoNotFound'],
    ['of another category', [makeReadyAlgo('serve').spec({ category: 'train' }).obj()], 'refused', 'InvalidSpec'],
  ])('refuses or waits for an Algo %s', (_name, algos, kind, reason) => {
    const predictor = makePredictor().spec({ image: undefined, algo: { name: 'serve' } }).obj();
    expect(resolvePredictor(predictor, lookups({ algos }))).toMatchObject({ kind, reason });
  });
});

describe('predictorDependencies', () => {
  it('names the Job, plan and Algo to watch', () => {
    expect(predictorDependencies(makePredictor().spec({ algo: { name: 'serve' } }).obj())).toEqual({ jobs: ['team-a/train'], plans: [], algos: ['team-a/serve'] });
    expect(predictorDependencies(makePredictor().spec({ model: { plan: { name: 'fl', task: 't', output: 'model' } } }).obj())).toEqual({ jobs: [], plans: ['team-a/fl'], algos: [] });
  });
});
