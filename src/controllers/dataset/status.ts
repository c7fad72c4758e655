import { DatasetConditionType, DatasetReason, maxDatasetHistory, type Dataset, type DatasetStatus, type DatasetVersion } from '../../api/dataset.ts';
import { mergeConditions, type ConditionUpdate } from '../shared/conditions.ts';

// A Dataset's versions: every distinct file set it has pointed at, numbered from 1, newest first in
// a bounded history. Pure: the reconciler finds out what the source holds and says so here.

/** What the reconciler found behind a Dataset's source. */
export type SourceCheck =
  | { kind: 'found'; digest: string; files: number; bytes: number }
  | { kind: 'importing'; message: string }
  | { kind: 'problem'; reason: string; message: string; final: boolean };

/** The version list after `found` is observed: unchanged if it is the current digest, else a new version. */
export function nextVersions(status: DatasetStatus | undefined, found: { digest: string; files: number; bytes: number }, now: Date): DatasetStatus {
  if (status?.digest === found.digest) return status;
  const version = (status?.version ?? 0) + 1;
  const entry: DatasetVersion = { version, digest: found.digest, files: found.files, bytes: found.bytes, createdAt: now.toISOString() };
  return {
    ...status,
    version,
    digest: found.digest,
    files: found.files,
    bytes: found.bytes,
    history: [entry, ...(status?.history ?? [])].slice(0, maxDatasetHistory),
  };
}

function conditionsFor(check: SourceCheck): ConditionUpdate[] {
  if (check.kind === 'found') {
    const message = `${check.files} files, ${check.bytes} bytes`;
    return [
      { type: DatasetConditionType.Ready, status: 'True', reason: DatasetReason.Indexed, message },
      { type: DatasetConditionType.Reconciling, status: 'False', reason: DatasetReason.Indexed, message },
      { type: DatasetConditionType.Stalled, status: 'False', reason: DatasetReason.Indexed, message },
    ];
  }
  const reason = check.kind === 'importing' ? DatasetReason.Importing : check.reason;
  const stalled = check.kind === 'problem' && check.final;
  return [
    { type: DatasetConditionType.Ready, status: 'False', reason, message: check.message },
    { type: DatasetConditionType.Reconciling, status: stalled ? 'False' : 'True', reason, message: check.message },
    { type: DatasetConditionType.Stalled, status: stalled ? 'True' : 'False', reason, message: check.message },
  ];
}

/**
 * The status a Dataset should have. A found file set becomes the current version (a new one when
 * its digest changed); while importing or after a problem, the last good version stays current and
 * usable by Jobs that pin it, but Ready says why the latest is not.
 */
export function datasetStatus(dataset: Readonly<Dataset>, check: SourceCheck, now: Date): DatasetStatus {
  const generation = dataset.metadata.generation;
  const versions = check.kind === 'found' ? nextVersions(dataset.status, check, now) : { ...dataset.status };
  const conditions = mergeConditions(dataset.status?.conditions, conditionsFor(check), { now, generation });
  return { ...versions, conditions, observedGeneration: generation };
}
