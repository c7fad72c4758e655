import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Dataset, DatasetStatus } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { EventDetails } from '../../runtime/events.ts';
import type { FileSetVerdict } from '../../storage/manifest-cache.ts';
import { memoryStore } from '../../storage/memory-store.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { testNamespaceUid } from '../../../test/support/job-builders.ts';
import { reconcileDataset } from './reconcile.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const log = pino({ level: 'silent' });

function cacheOf<T>(objects: T[]): ObjectCache<T> {
  return { get: () => objects[0], list: () => objects, byIndex: () => [] };
}

function datasetNaming(fileSetDigest: string): Dataset {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'd', namespace: 'ns', generation: 1, uid: 'u' },
    spec: { source: { fileSet: { digest: fileSetDigest } } },
  };
}

/** Reconciles once with the store answering `verdict`, with a grant; returns what was written. */
async function reconcileWith(dataset: Dataset, verdict: FileSetVerdict): Promise<{ result: unknown; statuses: DatasetStatus[]; events: EventDetails[] }> {
  const statuses: DatasetStatus[] = [];
  const events: EventDetails[] = [];
  const store = memoryStore();
  await store.put(`holdings/nsuid-ns/${'a'.repeat(64)}`, Buffer.alloc(0), 0, '');
  const result = await reconcileDataset('ns/d', log, {
    datasets: cacheOf([dataset]),
    jobs: cacheOf<TesseraJob>([]),
    namespaceUid: testNamespaceUid,
    fileSets: { store, manifests: { check: () => Promise.resolve(verdict) } },
    writeStatus: (_d, status) => (statuses.push(status), Promise.resolve()),
    createJob: () => Promise.resolve(undefined),
    events: { record: (_subject, event) => void events.push(event) },
    moverImage: 'mover',
    importBucket: 'imports',
    clock: { now: () => Date.parse('2026-01-02T00:00:00Z') },
  });
  return { result, statuses, events };
}

describe('reconcileDataset on a file set that can never be pulled', () => {
  it('is Ready=False and Stalled naming the path, with one Warning event, and is not retried', async () => {
    const first = await reconcileWith(datasetNaming(digest), { kind: 'unsafe', path: '../x', message: `unsafe path "../x": '..' segment` });
    expect(first.result).toBeUndefined();
    const conditions = first.statuses[0]?.conditions ?? [];
    expect(conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'UnsafeFileSet', message: `file set ${digest} has an unsafe path "../x": '..' segment` });
    expect(conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'UnsafeFileSet' });
    expect(first.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'UnsafeFileSet' })]);

    // The next pass sees its own status: nothing written, no second event.
    const again = await reconcileWith({ ...datasetNaming(digest), status: first.statuses[0] }, { kind: 'unsafe', path: '../x', message: `unsafe path "../x": '..' segment` });
    expect(again.statuses).toEqual([]);
    expect(again.events).toEqual([]);
  });

  it('says NotFound, and looks again later, when the file set is not in the store', async () => {
    const { result, statuses } = await reconcileWith(datasetNaming(digest), { kind: 'missing' });
    expect(result).toEqual({ requeueAfterMs: 30_000 });
    expect(statuses[0]?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NotFound', message: expect.stringContaining(digest) as unknown });
  });

  it('records a valid file set as the next version', async () => {
    const { statuses } = await reconcileWith(datasetNaming(digest), { kind: 'valid', files: 2, bytes: 30 });
    expect(statuses[0]).toMatchObject({ version: 1, digest, files: 2, bytes: 30 });
  });
});
