import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { FakeCache } from '../../../test/support/fake-cache.ts';
import { testNamespaceUid } from '../../../test/support/job-builders.ts';
import { makePredictor, modelDigest, producerJob } from '../../../test/support/predictor-builders.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { Predictor, PredictorStatus } from '../../api/predictor.ts';
import { createLogger } from '../../runtime/logger.ts';
import { grantAccess, putMarker } from '../../storage/access.ts';
import { manifestKey } from '../../storage/manifest.ts';
import { memoryStore } from '../../storage/memory-store.ts';
import { defaultJobRuntimeConfig } from '../job/desired.ts';
import { trimDeployment, trimService } from '../../operator/cache-trim.ts';
import { reconcilePredictor, type PredictorReconcilerDeps } from './reconcile.ts';
import type { PredictorWrites } from './writes.ts';

// The reconciler pass by pass, against the operator's own cache store and an in-memory object
// store: what it writes, in which order, and what it refuses to write.

interface World {
  deps: PredictorReconcilerDeps;
  predictors: FakeCache<Predictor>;
  deployments: FakeCache<k8s.V1Deployment>;
  services: FakeCache<k8s.V1Service>;
  written: string[];
  statuses: PredictorStatus[];
  store: ReturnType<typeof memoryStore>;
}

function world(jobs: TesseraJob[]): World {
  const predictors = new FakeCache<Predictor>();
  const deployments = new FakeCache<k8s.V1Deployment>({ trim: trimDeployment });
  const services = new FakeCache<k8s.V1Service>({ trim: trimService });
  const store = memoryStore();
  const written: string[] = [];
  const statuses: PredictorStatus[] = [];
  const writes: PredictorWrites = {
    applyDeployment: (d, current) => {
      written.push(`${current ? 'replace' : 'create'} Deployment ${d.metadata?.name}`);
      deployments.put({ ...d, metadata: { ...d.metadata, generation: (current?.metadata?.generation ?? 0) + 1 } });
      return Promise.resolve('done');
    },
    applyService: (s, current) => {
      written.push(`${current ? 'replace' : 'create'} Service ${s.metadata?.name}`);
      services.put(s);
      return Promise.resolve('done');
    },
    writeStatus: (p, status) => {
      written.push(`status ${status.phase}`);
      statuses.push(status);
      predictors.put({ ...p, status });
      return Promise.resolve();
    },
  };
  const deps: PredictorReconcilerDeps = {
    predictors,
    deployments,
    services,
    lookups: { job: (ns, name) => jobs.find((j) => j.metadata.namespace === ns && j.metadata.name === name), plan: () => undefined, jobsOfPlan: () => [], algo: () => undefined },
    namespaceUid: testNamespaceUid,
    fileSets: { store, signingKey: [Buffer.from('k'.repeat(32))] },
    writes,
    events: { record: () => undefined },
    config: defaultJobRuntimeConfig,
    clock: { now: () => Date.parse('2026-12-05T00:00:00Z') },
  };
  return { deps, predictors, deployments, services, written, statuses, store };
}

async function hold(store: ReturnType<typeof memoryStore>, namespace: string, digest: string): Promise<void> {
  await grantAccess(store, testNamespaceUid, namespace, digest);
  await putMarker(store, manifestKey(digest));
}

const log = createLogger({ level: 'silent' });
const pass = (w: World, key = 'team-a/serve'): Promise<unknown> => reconcilePredictor(key, log, w.deps);

describe('reconcilePredictor', () => {
  it('records the model in status before any child, then writes the Service and Deployment, then goes Ready with its pods', async () => {
    const w = world([producerJob('train', 'Succeeded', { model: modelDigest() })]);
    await hold(w.store, 'team-a', modelDigest());
    w.predictors.put(makePredictor().obj());
    await pass(w);
    expect(w.written).toEqual(['status Pending']);
    expect(w.statuses[0]).toMatchObject({ modelDigest: modelDigest(), conditions: expect.arrayContaining([expect.objectContaining({ type: 'ModelResolved', status: 'True' })]) as unknown });
    await pass(w);
    expect(w.written.slice(1)).toEqual(['create Service serve-predictor', 'create Deployment serve-predictor']);
    await pass(w);
    expect(w.written.slice(3)).toEqual(['status Rolling']);
    const deployment = w.deployments.get('team-a', 'serve-predictor')!;
    w.deployments.put({ ...deployment, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1 } });
    await pass(w);
    expect(w.statuses.at(-1)).toMatchObject({ phase: 'Ready', readyReplicas: 1, endpoint: 'http://serve-predictor.team-a.svc:8080' });
    await pass(w);
    expect(w.written).toHaveLength(5);
  });

  it('rolls a new model out by replacing the Deployment, after recording it', async () => {
    const jobs = [producerJob('train', 'Succeeded', { model: modelDigest() }), producerJob('train2', 'Succeeded', { model: modelDigest('b') })];
    const w = world(jobs);
    await hold(w.store, 'team-a', modelDigest());
    await hold(w.store, 'team-a', modelDigest('b'));
    w.predictors.put(makePredictor().obj());
    for (let i = 0; i < 3; i++) await pass(w);
    w.written.length = 0;
    const current = w.predictors.get('team-a', 'serve')!;
    w.predictors.put({ ...current, metadata: { ...current.metadata, generation: 2 }, spec: { ...current.spec, model: { job: { name: 'train2' } } } });
    await pass(w);
    await pass(w);
    // Recorded first (the old pods keep serving: Rolling), then the template replaced.
    expect(w.written).toEqual(['status Rolling', 'replace Deployment serve-predictor']);
    expect(w.statuses.at(-1)?.modelDigest).toBe(modelDigest('b'));
    expect(w.deployments.get('team-a', 'serve-predictor')?.metadata?.generation).toBe(2);
  });

  it("refuses a Job output its namespace does not hold (checked in the store, whatever the Job says): NotAuthorized, and no child at all", async () => {
    const w = world([producerJob('train', 'Succeeded', { model: modelDigest() })]);
    await hold(w.store, 'team-b', modelDigest());
    w.predictors.put(makePredictor().obj());
    await pass(w);
    await pass(w);
    expect(w.written).toEqual(['status Failed']);
    expect(w.statuses[0]?.conditions?.find((c) => c.type === 'ModelResolved')).toMatchObject({ status: 'False', reason: 'NotAuthorized' });
    expect(w.statuses[0]?.modelDigest).toBeUndefined();
  });

  it('refuses a digest granted to another namespace with the same words as one that exists nowhere', async () => {
    const w = world([]);
    await hold(w.store, 'team-b', modelDigest());
    w.predictors.put(makePredictor().spec({ model: { digest: modelDigest() } }).obj(), makePredictor('ghost').spec({ model: { digest: modelDigest('nowhere') } }).obj());
    await pass(w);
    await pass(w, 'team-a/ghost');
    const messages = w.statuses.map((s) => s.message?.replace(/sha256:\w+/, 'D'));
    expect(w.statuses.map((s) => s.conditions?.find((c) => c.type === 'ModelResolved')?.reason)).toEqual(['NotAuthorized', 'NotAuthorized']);
    expect(messages[0]).toBe(messages[1]);
    expect(w.deployments.list()).toEqual([]);
  });

  it('never takes over a Deployment of its name that is not its own', async () => {
    const w = world([producerJob('train', 'Succeeded', { model: modelDigest() })]);
    await hold(w.store, 'team-a', modelDigest());
    w.deployments.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'serve-predictor', namespace: 'team-a' }, spec: {} as k8s.V1DeploymentSpec });
    w.predictors.put(makePredictor().obj());
    await pass(w);
    expect(w.written).toEqual(['status Failed']);
    expect(w.statuses[0]?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'NameTaken' });
  });
});
