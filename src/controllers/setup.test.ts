import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Algo } from '../api/algo.ts';
import type { ComputePlan } from '../api/computeplan.ts';
import type { Dataset } from '../api/dataset.ts';
import type { TesseraJob } from '../api/job.ts';
import type { Predictor } from '../api/predictor.ts';
import { connect, type ControllerDefinition } from '../runtime/controller-builder.ts';
import { FakeCache } from '../../test/support/fake-cache.ts';
import { algoController } from './algo/setup.ts';
import { planController } from './computeplan/setup.ts';
import { datasetController } from './dataset/setup.ts';
import { jobController } from './job/setup.ts';
import type { TesseraCaches } from './shared/controller-parts.ts';

// Which change queues which key of which controller, as the four setup modules declare it: the map
// the operator used to hard-code. Each case puts objects into the caches the way watch events do
// and reads what each controller's queue was asked for.

type Meta = { name: string; namespace: string; labels?: Record<string, string>; uid?: string };
const meta = (namespace: string, name: string, labels?: Record<string, string>, uid?: string): Meta => ({ name, namespace, labels, uid });

function job(namespace: string, name: string, spec: Partial<TesseraJob['spec']> = {}, labels?: Record<string, string>): TesseraJob {
  return { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: meta(namespace, name, labels, `uid-${name}`), spec: { image: 'img', ...spec } };
}

interface World {
  caches: { [K in keyof TesseraCaches]: FakeCache<never> };
  drain: () => Record<string, string[]>;
}

function world(): World {
  const caches: TesseraCaches = {
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
  const parts = {
    caches,
    clients: {} as never,
    namespaceUid: () => undefined,
    events: { record: () => undefined },
    clock: { now: () => 0 } as never,
    fileSets: undefined,
    config: { moverImage: 'mover' } as never,
    importBucket: 'landing',
  };
  const definitions: Record<string, ControllerDefinition> = { job: jobController(parts), dataset: datasetController(parts), algo: algoController(parts), plan: planController(parts) };
  const queued: Record<string, string[]> = { job: [], dataset: [], algo: [], plan: [] };
  for (const [name, definition] of Object.entries(definitions)) connect(definition, (key) => queued[name]!.push(key));
  const drain = (): Record<string, string[]> => {
    const seen = Object.fromEntries(Object.entries(queued).map(([name, keys]) => [name, [...new Set(keys)].sort()]));
    for (const keys of Object.values(queued)) keys.length = 0;
    return seen;
  };
  return { caches: caches as World['caches'], drain };
}

const planLabels = (plan: string, namespace: string, uid: string): Record<string, string> => ({ 'tessera.dev/plan': plan, 'tessera.dev/plan-namespace': namespace, 'tessera.dev/plan-uid': uid, 'tessera.dev/task': 't' });

describe('controller setup: which change queues what', () => {
  it('a Job queues itself, the Jobs reading it, the Dataset it imports for and the plan it runs for', () => {
    const { caches, drain } = world();
    caches.jobs.put(job('b', 'reader', { inputs: [{ name: 'm', jobOutput: { job: 'trainer', output: 'model' } }] }) as never);
    drain();
    caches.jobs.put(job('b', 'trainer', {}, { 'tessera.dev/dataset': 'cifar', ...planLabels('fl', 'a', 'uid-fl') }) as never);
    expect(drain()).toEqual({ job: ['b/reader', 'b/trainer'], dataset: ['b/cifar'], algo: [], plan: ['a/fl'] });
  });

  it('a Dataset queues itself, the Jobs reading it and the plans whose tasks read it', () => {
    const { caches, drain } = world();
    caches.jobs.put(job('b', 'reader', { inputs: [{ name: 'd', dataset: { name: 'cifar' } }] }) as never);
    caches.plans.put({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: meta('a', 'fl', undefined, 'uid-fl'), spec: { tasks: [{ name: 't', algoRef: { name: 'train' }, namespace: 'b', inputs: [{ name: 'd', datasetRef: { name: 'cifar' } }] }] } } as never);
    drain();
    caches.datasets.put({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: meta('b', 'cifar'), spec: {} } as never);
    expect(drain()).toEqual({ job: ['b/reader'], dataset: ['b/cifar'], algo: [], plan: ['a/fl'] });
  });

  it('an Algo queues itself, the Jobs running it and the plans whose tasks run it', () => {
    const { caches, drain } = world();
    caches.jobs.put(job('a', 'runner', { algoRef: { name: 'train' } }) as never);
    caches.plans.put({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: meta('a', 'fl', undefined, 'uid-fl'), spec: { tasks: [{ name: 't', algoRef: { name: 'train' }, inputs: [] }] } } as never);
    drain();
    caches.algos.put({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: meta('a', 'train'), spec: {} } as never);
    expect(drain()).toEqual({ job: ['a/runner'], dataset: [], algo: ['a/train'], plan: ['a/fl'] });
  });

  it('a plan deleted queues its Jobs in every namespace; changed, only itself', () => {
    const { caches, drain } = world();
    const plan = { apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: meta('a', 'fl', undefined, 'uid-fl'), spec: { tasks: [] } };
    caches.jobs.put(job('b', 'fl-t-1', {}, planLabels('fl', 'a', 'uid-fl')) as never, job('c', 'other', {}, planLabels('x', 'a', 'uid-x')) as never);
    caches.plans.put(plan as never);
    drain();
    caches.plans.put({ ...plan, metadata: { ...plan.metadata, resourceVersion: '2' } } as never);
    expect(drain()).toEqual({ job: [], dataset: [], algo: [], plan: ['a/fl'] });
    caches.plans.remove('a', 'fl');
    expect(drain()).toEqual({ job: ['b/fl-t-1'], dataset: [], algo: [], plan: ['a/fl'] });
  });

  it('a batch Job or pod queues the Tessera Job its label names, and nothing without one', () => {
    const { caches, drain } = world();
    caches.batchJobs.put({ metadata: meta('b', 'run-1', { 'tessera.dev/job': 'train' }) } as never);
    caches.pods.put({ metadata: meta('b', 'run-1-x', { 'tessera.dev/job': 'train' }) } as never, { metadata: meta('b', 'stray') } as never);
    expect(drain()).toEqual({ job: ['b/train'], dataset: [], algo: [], plan: [] });
  });

  it('a namespace queues the Datasets whose permissions name it', () => {
    const { caches, drain } = world();
    const dataset = (name: string, authorized: string[]): object => ({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: meta('a', name), spec: { permissions: { authorizedNamespaces: authorized } } });
    caches.datasets.put(dataset('shared', ['b', 'c']) as never, dataset('private', []) as never);
    drain();
    caches.namespaces.put({ metadata: { name: 'b', uid: 'nsuid-b' } } as never);
    expect(drain()).toEqual({ job: [], dataset: ['a/shared'], algo: [], plan: [] });
  });
});
