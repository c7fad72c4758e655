import { describe, expect, it } from 'vitest';
import { datasetDigest, makeInputDataset } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import type { Condition } from '../../api/common.ts';
import type { DatasetStatus } from '../../api/dataset.ts';
import { datasetStatus, nextVersions, type SourceCheck } from './status.ts';

const now = new Date('2026-01-02T00:00:00Z');
const found = (text: string, files = 3, bytes = 30): Extract<SourceCheck, { kind: 'found' }> => ({ kind: 'found', digest: digestOf(text), files, bytes });
const condition = (status: DatasetStatus, type: string): Condition | undefined => status.conditions?.find((c) => c.type === type);

describe('nextVersions', () => {
  it('makes the first file set version 1', () => {
    expect(nextVersions(undefined, found('a'), now)).toEqual({
      version: 1,
      digest: digestOf('a'),
      files: 3,
      bytes: 30,
      history: [{ version: 1, digest: digestOf('a'), files: 3, bytes: 30, createdAt: now.toISOString() }],
    });
  });

  it.each([
    { name: 'a short history', current: 3, wantHistory: [4, 3, 2, 1] },
    { name: 'a full history, dropping the oldest', current: 10, wantHistory: [11, 10, 9, 8, 7, 6, 5, 4, 3, 2] },
    { name: 'a history already past its cap', current: 25, wantHistory: [26, 25, 24, 23, 22, 21, 20, 19, 18, 17] },
  ])('puts a new digest at the head of $name', ({ current, wantHistory }) => {
    const status = makeInputDataset('cifar').versions(current).obj().status;
    const next = nextVersions(status, found('new'), now);
    expect(next).toMatchObject({ version: current + 1, digest: digestOf('new'), files: 3, bytes: 30 });
    expect(next.history?.map((h) => h.version)).toEqual(wantHistory);
    expect(next.history?.[0]).toEqual({ version: current + 1, digest: digestOf('new'), files: 3, bytes: 30, createdAt: now.toISOString() });
    expect(next.history?.[1]?.digest).toBe(datasetDigest('cifar', current));
  });

  it('changes nothing when the digest is the current one', () => {
    const status = makeInputDataset('cifar').versions(3).obj().status;
    expect(nextVersions(status, { ...found('ignored'), digest: datasetDigest('cifar', 3) }, now)).toEqual(status);
  });

  it('makes a digest seen before, but not current, a new version', () => {
    const status = makeInputDataset('cifar').versions(3).obj().status;
    const next = nextVersions(status, { ...found('ignored'), digest: datasetDigest('cifar', 1) }, now);
    expect(next).toMatchObject({ version: 4, digest: datasetDigest('cifar', 1) });
  });
});

describe('datasetStatus', () => {
  const dataset = (): ReturnType<typeof makeInputDataset> => makeInputDataset('cifar').versions(3);

  it('records a new file set as the next version, Ready', () => {
    const status = datasetStatus(dataset().notReady().obj(), found('new', 5, 50), now);
    expect(status).toMatchObject({ version: 4, digest: digestOf('new'), files: 5, bytes: 50, observedGeneration: 1 });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Indexed', message: '5 files, 50 bytes', lastTransitionTime: now.toISOString() });
    expect(condition(status, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(condition(status, 'Stalled')).toMatchObject({ status: 'False' });
  });

  it('keeps the versions when the source still holds the current file set', () => {
    const before = dataset().obj();
    const status = datasetStatus(before, { ...found('x', 1, 1), digest: datasetDigest('cifar', 3) }, now);
    expect(status).toMatchObject({ version: 3, digest: datasetDigest('cifar', 3), history: before.status?.history });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: '2026-01-01T00:00:00.000Z' });
  });

  it.each([
    { name: 'an import in progress', check: { kind: 'importing', message: 'Job cifar-import-1 imports http://x' } satisfies SourceCheck, wantReason: 'Importing', wantStalled: 'False', wantReconciling: 'True' },
    {
      name: 'a problem that may go away',
      check: { kind: 'problem', reason: 'NotFound', message: 'no file set', final: false } satisfies SourceCheck,
      wantReason: 'NotFound',
      wantStalled: 'False',
      wantReconciling: 'True',
    },
    {
      name: 'a problem only a spec change fixes',
      check: { kind: 'problem', reason: 'ImportFailed', message: 'Job failed', final: true } satisfies SourceCheck,
      wantReason: 'ImportFailed',
      wantStalled: 'True',
      wantReconciling: 'False',
    },
  ])('keeps the last good version through $name, not Ready', ({ check, wantReason, wantStalled, wantReconciling }) => {
    const before = dataset().obj();
    const status = datasetStatus(before, check, now);
    expect(status).toMatchObject({ version: 3, digest: datasetDigest('cifar', 3), history: before.status?.history });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: wantReason, lastTransitionTime: now.toISOString() });
    expect(condition(status, 'Stalled')).toMatchObject({ status: wantStalled, reason: wantReason });
    expect(condition(status, 'Reconciling')).toMatchObject({ status: wantReconciling, reason: wantReason });
  });

  it('has no version while a first import runs', () => {
    const status = datasetStatus(makeInputDataset('cifar').empty().obj(), { kind: 'importing', message: 'importing' }, now);
    expect(status.version).toBeUndefined();
    expect(status.digest).toBeUndefined();
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'Importing' });
  });
});
