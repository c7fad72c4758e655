import type { Dataset, DatasetStatus } from '../../api/dataset.ts';
import { DatasetReason, datasetSpecSchema } from '../../api/dataset.ts';
import { JobPhase, type TesseraJob } from '../../api/job.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { Logger } from '../../runtime/logger.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import { holdsAccess, type UidOf } from '../../storage/access.ts';
import type { FileSetVerdict, ManifestCache } from '../../storage/manifest-cache.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import type { EventDetails, EventRecorder } from '../../runtime/events.ts';
import { findCondition } from '../shared/conditions.ts';
import { verdictProblem } from '../shared/fileset-check.ts';
import { conditionEvent, subjectOf } from '../shared/transition-events.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { isRecordedIndexJob } from '../../transfer/server/authorize.ts';
import { desiredImportJob, desiredIndexJob, importJobName, importOutput, withIndexJob, type IndexJobRecord } from './import-job.ts';
import { authorizationEvent, withAuthorizations } from './authorizations.ts';
import { datasetStatus, type SourceCheck } from './status.ts';
import { parseKey } from '../../runtime/object-key.ts';

/** What the Dataset reconciler reads and writes. */
export interface DatasetReconcilerDeps {
  datasets: ObjectCache<Dataset>;
  jobs: ObjectCache<TesseraJob>;
  /** A namespace's current uid: what the Dataset's authorizations and holdings are keyed by. */
  namespaceUid: UidOf;
  fileSets?: { store: BlobStore; manifests: Pick<ManifestCache, 'check'> };
  writeStatus(dataset: Readonly<Dataset>, status: DatasetStatus): Promise<void>;
  /** Creates a Tessera Job; its uid, or undefined when it already exists. */
  createJob(job: TesseraJob): Promise<string | undefined>;
  events?: Pick<EventRecorder, 'record'>;
  moverImage: string;
  /** The landing-zone bucket prefix sources are indexed in (each namespace under `<namespace>/`). */
  importBucket: string;
  clock: Clock;
}

/** A source that may still appear (a file set not pushed yet) is looked at again after this long. */
const recheckMs = 30_000;

const problem = (reason: string, message: string, final = false): SourceCheck => ({ kind: 'problem', reason, message, final });

/**
 * A file set already in the store: it must exist, have been pushed to this namespace, and be one
 * that can be pulled. Unsafe or corrupt is final (only a new spec can help) and says which path; it
 * is checked after the grant, so a namespace learns nothing of a file set it was never given.
 */
async function checkFileSet(dataset: Readonly<Dataset>, digest: string, deps: DatasetReconcilerDeps): Promise<SourceCheck> {
  if (!deps.fileSets) return problem(DatasetReason.NoObjectStore, 'the operator runs without an object store (--s3-endpoint)', true);
  // The grant first, and the same answer whether or not the file set exists: a status must not tell
  // a namespace which digests the store holds. Held, not borrowed: a file set a plan lent for one
  // run must not become a Dataset to share on.
  if (!(await holdsAccess(deps.fileSets.store, deps.namespaceUid, dataset.metadata.namespace ?? '', digest))) {
    return problem(DatasetReason.Unauthorized, `namespace ${dataset.metadata.namespace} holds no file set ${digest}; push it with \`tessera dataset push\``);
  }
  const verdict = await deps.fileSets.manifests.check(digest);
  if (verdict.kind === 'missing') return problem(DatasetReason.NotFound, `the file set ${digest} is no longer in the store; push it again with \`tessera dataset push\``);
  if (verdict.kind !== 'valid') return unusable(digest, verdict);
  return { kind: 'found', digest, files: verdict.files, bytes: verdict.bytes };
}

function unusable(digest: string, verdict: FileSetVerdict): SourceCheck {
  const found = verdictProblem(digest, verdict);
  return problem(found?.reason ?? DatasetReason.CorruptFileSet, found?.message ?? `file set ${digest} cannot be read`, true);
}

/** An import's output is checked like a pushed file set before it becomes a version. */
async function checkImported(check: SourceCheck, deps: DatasetReconcilerDeps): Promise<SourceCheck> {
  if (check.kind !== 'found' || !deps.fileSets) return check;
  const verdict = await deps.fileSets.manifests.check(check.digest);
  return verdict.kind === 'unsafe' || verdict.kind === 'corrupt' ? unusable(check.digest, verdict) : check;
}

/** What a source check found, and the index Job it created (to be recorded in status at once). */
type CheckedSource = SourceCheck & { indexJob?: IndexJobRecord };

/** A URL or prefix: brought in by a Job this Dataset owns; its `data` output becomes the next version. */
async function checkImport(dataset: Readonly<Dataset>, source: string, deps: DatasetReconcilerDeps, log: Logger): Promise<CheckedSource> {
  const name = importJobName(dataset);
  const job = deps.jobs.get(dataset.metadata.namespace ?? '', name);
  if (!job) {
    const prefix = dataset.spec.source.prefix;
    const desired = prefix ? desiredIndexJob(dataset, deps.moverImage) : desiredImportJob(dataset, source, deps.moverImage);
    const uid = await deps.createJob(desired);
    if (uid !== undefined) log.info({ job: name, source }, 'importing the Dataset');
    // The index Job's uid goes into status with this pass's write: only the Job it names gets a token.
    const indexJob = prefix && uid ? { name, uid } : undefined;
    return { kind: 'importing', message: `Job ${name} imports ${source}`, indexJob };
  }
  // An index Job this status does not record gets no token (resolve.ts): it waits, and so does the import.
  if (dataset.spec.source.prefix && !isRecordedIndexJob(job, dataset)) return { kind: 'importing', message: `Job ${name} imports ${source} once this Dataset records it as its index Job` };
  return checkImported(importOutcome(job, source), deps);
}

/** What an import Job's status says about the Dataset's next version. */
function importOutcome(job: Readonly<TesseraJob>, url: string): SourceCheck {
  const { phase = JobPhase.Pending, message = '', outputs = [] } = job.status ?? {};
  const name = job.metadata.name;
  if (phase === JobPhase.Failed || phase === JobPhase.Canceled) return problem(DatasetReason.ImportFailed, `Job ${name} ${phase.toLowerCase()}: ${message}`, true);
  const output = outputs.find((o) => o.name === importOutput);
  if (phase !== JobPhase.Succeeded || !output) return { kind: 'importing', message: `Job ${name} imports ${url} (${phase})` };
  return { kind: 'found', digest: output.digest, files: output.files, bytes: output.bytes };
}

async function checkSource(dataset: Readonly<Dataset>, deps: DatasetReconcilerDeps, log: Logger): Promise<CheckedSource> {
  const parsed = datasetSpecSchema.safeParse(dataset.spec);
  if (!parsed.success) return problem(DatasetReason.InvalidSpec, parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; '), true);
  const source = parsed.data.source;
  if (source.fileSet) return checkFileSet(dataset, source.fileSet.digest, deps);
  if (source.url) return checkImport(dataset, source.url, deps, log);
  const prefix = source.prefix;
  if (prefix?.bucket !== undefined && prefix.bucket !== deps.importBucket) {
    return problem(DatasetReason.InvalidSpec, `only the landing-zone bucket ${deps.importBucket} can be indexed (its ${dataset.metadata.namespace}/ prefix), not ${prefix.bucket}`, true);
  }
  return checkImport(dataset, `s3://${deps.importBucket}/${dataset.metadata.namespace}/${prefix?.prefix ?? ''}`, deps, log);
}

/** Reconciles one Dataset: find what its source holds, record new versions, say whether it is Ready. */
export async function reconcileDataset(key: string, log: Logger, deps: DatasetReconcilerDeps): Promise<ReconcileResult | void> {
  const { namespace, name } = parseKey(key);
  const dataset = deps.datasets.get(namespace, name);
  if (!dataset || dataset.metadata.deletionTimestamp) return;
  const check = await checkSource(dataset, deps, log);
  const now = new Date(deps.clock.now());
  const status = withAuthorizations(withIndexJob(datasetStatus(dataset, check, now), check.indexJob), dataset, deps.namespaceUid, now);
  await writeIfChanged(dataset, status, deps, log);
  if (check.kind === 'problem' && !check.final) return { requeueAfterMs: recheckMs };
}

async function writeIfChanged(dataset: Readonly<Dataset>, status: DatasetStatus, deps: DatasetReconcilerDeps, log: Logger): Promise<void> {
  if (dataset.status && jsonEqual(dataset.status, status)) return;
  await deps.writeStatus(dataset, status);
  logStatus(status, log);
  const event = versionEvent(dataset.status, status) ?? conditionEvent(dataset.status?.conditions, status.conditions, { good: 'Ready', bad: 'Stalled' });
  if (event) deps.events?.record(subjectOf(dataset), event);
  const authorization = authorizationEvent(dataset.status, status);
  if (authorization) deps.events?.record(subjectOf(dataset), authorization);
}

function logStatus(status: DatasetStatus, log: Logger): void {
  const ready = findCondition(status.conditions, 'Ready');
  log.info({ version: status.version, digest: status.digest, ready: ready?.status, reason: ready?.reason }, ready?.message ?? 'status written');
}

/** A Normal event for each new version: when a Dataset's data changed is worth a line in `kubectl events`. */
function versionEvent(before: DatasetStatus | undefined, after: DatasetStatus): EventDetails | undefined {
  if (!after.version || after.version === before?.version) return undefined;
  return { type: 'Normal', reason: 'NewVersion', action: 'Index', note: `version ${after.version}: ${after.files} files, ${after.bytes} bytes, ${after.digest}` };
}
