import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { FakeCache } from '../../../test/support/fake-cache.ts';
import { makePredictor, producerJob } from '../../../test/support/predictor-builders.ts';
import type { Algo } from '../../api/algo.ts';
import type { ComputePlan } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { Predictor } from '../../api/predictor.ts';
import { connect } from '../../runtime/controller-builder.ts';
import { predictorController } from './setup.ts';

// Which change queues which Predictor, as its setup module declares it.

// Typed per cache, so a test puts real objects; the builder sees only what TesseraCaches declares.
function makeCaches(): {
  jobs: FakeCache<TesseraJob>; datasets: FakeCache<Dataset>; algos: FakeCache<Algo>; plans: FakeCache<ComputePlan>; batchJobs: FakeCache<k8s.V1Job>; pods: FakeCache<k8s.V1Pod>;
  namespaces: FakeCache<k8s.V1Namespace>; predictors: FakeCache<Predictor>; deployments: FakeCache<k8s.V1Deployment>; services: FakeCache<k8s.V1Service>;
} {
  return {
    jobs: new FakeCache<TesseraJob>(),
    datasets: new FakeCache<Dataset>(),
    algos: new FakeCache<Algo>(),
    plans: new FakeCache<ComputePlan>(),
    batchJobs: new FakeCache<k8s.V1Job>(),
    pods: new FakeCache<k8s.V1Pod>(),
    namespaces: new FakeCache<k8s.V1Namespace>(),
    predictors: new FakeCache<Predictor>(),
    deployments: new FakeCache<k8s.V1Deployment>(),
    services: new FakeCache<k8s.V1Service>(),
  };
}

function world(): { caches: ReturnType<typeof makeCaches>; queued: string[] } {
  const caches = makeCaches();
  const parts = { caches, clients: {} as never, namespaceUid: () => undefined, events: { record: () => undefined }, clock: { now: () => 0 } as never, fileSets: undefined, config: { moverImage: 'mover' } as never };
  const queued: string[] = [];
  connect(predictorController(parts), (key) => queued.push(key));
  return { caches, queued };
}

describe('the Predictor controller: which change queues what', () => {
  it('queues a Predictor for itself, the Job it serves, its Algo, its plan and its plan\'s Jobs, and its children', () => {
    const { caches, queued } = world();
    caches.predictors.put(makePredictor('a').spec({ algo: { name: 'serve' }, image: undefined }).obj(), makePredictor('b').spec({ model: { plan: { name: 'fl', task: 't', output: 'model' } } }).obj());
    expect(queued.splice(0)).toEqual(['team-a/a', 'team-a/b']);
    caches.jobs.put(producerJob('train', 'Succeeded', {}), producerJob('other', 'Succeeded', {}));
    expect(queued.splice(0)).toEqual(['team-a/a']);
    const taskJob = producerJob('fl-t-abc', 'Succeeded', {}, 'hospital');
    taskJob.metadata.labels = { 'tessera.dev/plan': 'fl', 'tessera.dev/plan-namespace': 'team-a' };
    caches.jobs.put(taskJob);
    expect(queued.splice(0)).toEqual(['team-a/b']);
    caches.algos.put({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'serve', namespace: 'team-a' }, spec: {} } as unknown as Algo);
    caches.plans.put({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'fl', namespace: 'team-a' }, spec: {} });
    expect(queued.splice(0)).toEqual(['team-a/a', 'team-a/b']);
    const labels = { 'tessera.dev/predictor': 'a' };
    caches.deployments.put({ metadata: { name: 'a-predictor', namespace: 'team-a', labels } });
    caches.services.put({ metadata: { name: 'a-predictor', namespace: 'team-a', labels } });
    caches.deployments.put({ metadata: { name: 'unrelated', namespace: 'team-a' } });
    expect(queued.splice(0)).toEqual(['team-a/a', 'team-a/a']);
  });
});
