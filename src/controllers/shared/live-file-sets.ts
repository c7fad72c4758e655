import type { Algo } from '../../api/algo.ts';
import type { Dataset } from '../../api/dataset.ts';
import { JobPhase, logsOutputName, type TesseraJob } from '../../api/job.ts';
import type { Predictor } from '../../api/predictor.ts';
import { outputsReleasedAnnotation } from '../computeplan/names.ts';

// Which file sets are in use, read from the operator's caches: every version a Dataset keeps, every
// Algo's code, what unfinished Jobs still have to read, what Predictors serve, and every Job's outputs — except those a
// ComputePlan released once all their consumers succeeded (cleanIntermediateOutputs).
// Pure; the caller must pass complete caches (synced informers), or live data would look like garbage.

/** The objects that hold file sets. */
export interface FileSetHolders {
  datasets: ReadonlyArray<Readonly<Dataset>>;
  algos: ReadonlyArray<Readonly<Algo>>;
  jobs: ReadonlyArray<Readonly<TesseraJob>>;
  /** What Predictors serve: a pod of theirs may start (and pull it) at any time. */
  predictors?: ReadonlyArray<Readonly<Predictor>>;
}

function datasetDigests(dataset: Readonly<Dataset>): string[] {
  const status = dataset.status;
  const pinned = dataset.spec.source.fileSet?.digest;
  return [...(status?.digest ? [status.digest] : []), ...(status?.history ?? []).map((v) => v.digest), ...(pinned ? [pinned] : [])];
}

const finished: ReadonlySet<string | undefined> = new Set([JobPhase.Succeeded, JobPhase.Failed, JobPhase.Canceled]);

/** What a Job still has to read: nothing once it has finished (its status keeps the record). */
function jobReads(job: Readonly<TesseraJob>): string[] {
  if (finished.has(job.status?.phase)) return [];
  const pinned = (job.spec.inputs ?? []).flatMap((i) => (i.fileSet ? [i.fileSet.digest] : []));
  const resolved = (job.status?.inputs ?? []).map((i) => i.digest);
  const code = [job.spec.code?.digest, job.status?.code?.digest].filter((d): d is string => d !== undefined);
  return [...pinned, ...resolved, ...code];
}

function jobWrites(job: Readonly<TesseraJob>): string[] {
  const released = job.metadata.annotations?.[outputsReleasedAnnotation] === 'true';
  // A released run keeps its log: it is the record of what happened, and small.
  return (job.status?.outputs ?? []).filter((o) => !released || o.name === logsOutputName).map((o) => o.digest);
}

/** What a Predictor's pods pull: the model and code it records, and a model pinned by digest. */
function predictorReads(predictor: Readonly<Predictor>): string[] {
  const { modelDigest, codeDigest } = predictor.status ?? {};
  return [modelDigest, codeDigest, predictor.spec.model.digest].filter((d): d is string => d !== undefined);
}

/** Every manifest digest in use, each once. */
export function liveManifests(holders: FileSetHolders): string[] {
  const live = new Set<string>();
  for (const dataset of holders.datasets) for (const digest of datasetDigests(dataset)) live.add(digest);
  for (const algo of holders.algos) if (algo.spec.code) live.add(algo.spec.code.digest);
  for (const job of holders.jobs) for (const digest of [...jobReads(job), ...jobWrites(job)]) live.add(digest);
  for (const predictor of holders.predictors ?? []) for (const digest of predictorReads(predictor)) live.add(digest);
  return [...live];
}
