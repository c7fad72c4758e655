import type { Dataset, DatasetStatus } from '../../api/dataset.ts';
import { DatasetReason, datasetSpecSchema } from '../../api/dataset.ts';
import { JobPhase, type TesseraJob } from '../../api/job.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { Logger } from '../../runtime/logger.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import { hasAccess } from '../../storage/access.ts';
import type { ManifestCache } from '../../storage/manifest-cache.ts';
import { ObjectNotFoundError, type BlobStore } from '../../storage/object-store.ts';
import type { EventDetails, EventRecorder } from '../../runtime/events.ts';
import { findCondition } from '../shared/conditions.ts';
import { conditionEvent, subjectOf } from '../shared/transition-events.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { isRecordedIndexJob } from '../../storage/transfer-api/authorize.ts';
import { desiredImportJob, desiredIndexJob, importJobName, importOutput, withIndexJob, type IndexJobRecord } from './import-job.ts';
import { datasetStatus, type SourceCheck } from './status.ts';

/** What the Dataset reconciler reads and writes. */
export interface DatasetReconcilerDeps {
  datasets: ObjectCache<Dataset>;
  jobs: ObjectCache<TesseraJob>;
  fileSets?: { store: BlobStore; manifests: ManifestCache };
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

async function manifestTotals(manifests: ManifestCache, digest: string): Promise<{ files: number; bytes: number } | undefined> {
  try {
    const manifest = await manifests.get(digest);
    return { files: manifest.entries.length, bytes: manifest.entries.reduce((sum, e) => sum + e.size, 0) };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** A file set already in the store: it must exist and have been pushed to this namespace. */
async function checkFileSet(dataset: Readonly<Dataset>, digest: string, deps: DatasetReconcilerDeps): Promise<SourceCheck> {
  if (!deps.fileSets) return problem(DatasetReason.NoObjectStore, 'the operator runs without an object store (--s3-endpoint)', true);
  const totals = await manifestTotals(deps.fileSets.manifests, digest);
  if (!totals) return problem(DatasetReason.NotFound, `no file set ${digest} in the store; push one with \`tessera dataset push\``);
  if (!(await hasAccess(deps.fileSets.store, dataset.metadata.namespace ?? '', digest))) {
    return problem(DatasetReason.Unauthorized, `the file set ${digest} was never pushed to namespace ${dataset.metadata.namespace}`);
  }
  return { kind: 'found', digest, ...totals };
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
  return importOutcome(job, source);
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
  const slash = key.indexOf('/');
  const dataset = deps.datasets.get(key.slice(0, slash), key.slice(slash + 1));
  if (!dataset || dataset.metadata.deletionTimestamp) return;
  const check = await checkSource(dataset, deps, log);
  await writeIfChanged(dataset, withIndexJob(datasetStatus(dataset, check, new Date(deps.clock.now())), check.indexJob), deps, log);
  if (check.kind === 'problem' && !check.final) return { requeueAfterMs: recheckMs };
}

async function writeIfChanged(dataset: Readonly<Dataset>, status: DatasetStatus, deps: DatasetReconcilerDeps, log: Logger): Promise<void> {
  if (dataset.status && jsonEqual(dataset.status, status)) return;
  await deps.writeStatus(dataset, status);
  logStatus(status, log);
  const event = versionEvent(dataset.status, status) ?? conditionEvent(dataset.status?.conditions, status.conditions, { good: 'Ready', bad: 'Stalled' });
  if (event) deps.events?.record(subjectOf(dataset), event);
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
