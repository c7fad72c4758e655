// The transfer API's operations, after the caller is proven (identity.ts) and its run known
// (authorize.ts). Every permission check happens here, in the operator: the pod only ever holds
// presigned URLs for exactly the objects it may touch, for a few minutes.
import type * as k8s from '@kubernetes/client-node';
import { logsOutputName } from '../../api/job.ts';
import type { Logger } from '../../runtime/logger.ts';
import { grantAccess } from '../access.ts';
import { forEachBounded } from '../bounded.ts';
import { sha256Bytes } from '../hashing.ts';
import type { ManifestCache } from '../manifest-cache.ts';
import { writeManifest } from '../manifest-io.ts';
import { blobKey, digestHex, manifestDigest, manifestKey, validateManifest, type Manifest } from '../manifest.ts';
import type { BlobStore } from '../object-store.ts';
import { resultAnnotation, signResult, type ResultRecord } from '../result-record.ts';
import type { CommitResponse, DownloadResponse, RunPlan, UploadResponse } from '../transfer-protocol.ts';
import { checkReadable, checkWritable, mainExitCode, type RunContext } from './authorize.ts';
import { TransferError } from './errors.ts';
import { maxMetricsFileBytes, metricsFromJson } from './metrics-file.ts';

/** Pod reads and writes the handlers need beyond the caches. */
export interface PodAccess {
  /** The pod as the API server has it now (the cache may lag a just-exited container). */
  fresh(namespace: string, name: string): Promise<Readonly<k8s.V1Pod> | undefined>;
  /** The main container's log, at most `limitBytes`; undefined when no kubelet serves it. */
  mainLog(namespace: string, name: string, limitBytes: number): Promise<string | undefined>;
  /** Merges annotations into the pod. */
  annotate(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
}

/** What the handlers work with. */
export interface TransferDeps {
  store: BlobStore;
  manifests: ManifestCache;
  pods: PodAccess;
  signingKey: Buffer;
  /** How long a presigned URL stays valid. */
  presignSeconds: number;
  logger: Logger;
}

const headConcurrency = 32;
const maxLogBytes = 16 * 1024 * 1024;

/** GET /v1/run: the plan, with the main container's exit read fresh when the cache has none yet. */
export async function describeRun(ctx: RunContext, deps: TransferDeps): Promise<RunPlan> {
  if (ctx.plan.mainExitCode !== undefined) return ctx.plan;
  const pod = await deps.pods.fresh(ctx.plan.namespace, ctx.pod.metadata?.name ?? '');
  const exit = pod ? mainExitCode(pod) : undefined;
  return exit === undefined ? ctx.plan : { ...ctx.plan, mainExitCode: exit };
}

/** POST /v1/download: presigned GETs for one readable file set's manifest and distinct blobs. */
export async function presignDownload(ctx: RunContext, digest: string, deps: TransferDeps): Promise<DownloadResponse> {
  checkReadable(ctx.plan, digest);
  const manifest = await deps.manifests.get(digest);
  const blobUrls: Record<string, string> = {};
  for (const entry of manifest.entries) {
    blobUrls[entry.digest] ??= await deps.store.presignGet(blobKey(entry.digest), deps.presignSeconds);
  }
  return { manifestUrl: await deps.store.presignGet(manifestKey(digest), deps.presignSeconds), blobUrls };
}

/** What a pod offers to upload for one output. */
export interface UploadOffer {
  output: string;
  manifestDigest: string;
  blobs: ReadonlyArray<{ digest: string; size: number }>;
}

/**
 * POST /v1/upload: presigned PUTs for the blobs of one output the store lacks. A stored manifest
 * implies all its blobs are stored (blobs are written first, and collected last), so an unchanged
 * output costs one HEAD, not one per file.
 */
export async function presignUpload(ctx: RunContext, offer: UploadOffer, deps: TransferDeps): Promise<UploadResponse> {
  checkWritable(ctx.plan, offer.output);
  if (await deps.store.has(manifestKey(offer.manifestDigest))) return { manifestExists: true, uploads: [] };
  const distinct = [...new Map(offer.blobs.map((b) => [b.digest, b])).values()];
  const uploads: UploadResponse['uploads'] = [];
  await forEachBounded(distinct, headConcurrency, async (blob) => {
    if (await deps.store.has(blobKey(blob.digest))) return;
    const put = await deps.store.presignPut(blobKey(blob.digest), digestHex(blob.digest), blob.size, deps.presignSeconds);
    uploads.push({ digest: blob.digest, url: put.url, headers: put.headers });
  });
  return { manifestExists: false, uploads };
}

async function missingBlobs(store: BlobStore, manifest: Manifest): Promise<string[]> {
  const digests = [...new Set(manifest.entries.map((e) => e.digest))];
  const missing: string[] = [];
  await forEachBounded(digests, headConcurrency, async (digest) => {
    if (!(await store.has(blobKey(digest)))) missing.push(digest);
  });
  return missing;
}

/** Validates a manifest the pod offers and stores it once every blob it names is in the store. */
async function storeOutputManifest(name: string, raw: unknown, deps: TransferDeps): Promise<{ manifest: Manifest; digest: string }> {
  let manifest: Manifest;
  try {
    manifest = validateManifest(raw);
  } catch (error) {
    throw new TransferError('InvalidRequest', `output ${name}: ${(error as Error).message}`, { cause: error });
  }
  const digest = manifestDigest(manifest);
  if (await deps.store.has(manifestKey(digest))) return { manifest, digest };
  const missing = await missingBlobs(deps.store, manifest);
  if (missing.length > 0) {
    throw new TransferError('BlobMissing', `output ${name}: ${missing.length} blob(s) not uploaded, e.g. ${missing.slice(0, 3).join(', ')}`);
  }
  await writeManifest(deps.store, manifest, digest);
  return { manifest, digest };
}

async function readSmallBlob(store: BlobStore, digest: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(blobKey(digest))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** metrics.json at the root of an output, if there is one of a sane size. */
async function metricsOf(manifest: Manifest, deps: TransferDeps): Promise<Record<string, number>> {
  const file = manifest.entries.find((e) => e.path === 'metrics.json');
  if (!file || file.size > maxMetricsFileBytes) return {};
  return metricsFromJson(await readSmallBlob(deps.store, file.digest));
}

/** Stores the main container's log as the `logs` output, so it outlives the pod. */
async function saveLog(ctx: RunContext, deps: TransferDeps): Promise<ResultRecord['outputs'][number] | undefined> {
  const namespace = ctx.plan.namespace;
  const podName = ctx.pod.metadata?.name ?? '';
  const log = await deps.pods.mainLog(namespace, podName, maxLogBytes).catch((error: unknown) => {
    deps.logger.debug({ err: error, pod: `${namespace}/${podName}` }, 'no log to save (the node serves none)');
    return undefined;
  });
  if (log === undefined) return undefined;
  const bytes = Buffer.from(log);
  const blob = sha256Bytes(bytes);
  if (!(await deps.store.has(blobKey(blob.digest)))) await deps.store.put(blobKey(blob.digest), bytes, bytes.length, digestHex(blob.digest));
  const manifest: Manifest = { version: 1, entries: [{ path: 'main.log', digest: blob.digest, size: blob.size, mode: 0o644 }] };
  const digest = manifestDigest(manifest);
  await writeManifest(deps.store, manifest, digest);
  await grantAccess(deps.store, namespace, digest);
  return { name: logsOutputName, digest, files: 1, bytes: blob.size };
}

/** Throws unless the outputs offered are exactly what the run may commit, given how main ended. */
async function checkCommittable(ctx: RunContext, names: readonly string[], deps: TransferDeps): Promise<void> {
  const exit = (await describeRun(ctx, deps)).mainExitCode;
  if (exit === undefined) throw new TransferError('NotReady', 'the main container has not exited yet');
  if (exit !== 0 && names.length > 0) {
    throw new TransferError('Forbidden', `the main container exited with ${exit}: outputs are only committed after success`);
  }
  for (const name of names) checkWritable(ctx.plan, name);
  const missing = exit === 0 ? ctx.plan.outputs.filter((o) => !names.includes(o)) : [];
  if (missing.length > 0) throw new TransferError('InvalidRequest', `outputs missing from the commit: ${missing.join(', ')}`);
}

/**
 * POST /v1/commit: stores every output's manifest (after checking each blob is there), grants the
 * run's namespace read access, reads metrics.json, saves the main container's log, and records the
 * result on the pod, signed. Idempotent: a repeated commit records the same result.
 */
export async function commitOutputs(
  ctx: RunContext,
  offered: ReadonlyArray<{ name: string; manifest: unknown }>,
  deps: TransferDeps,
): Promise<CommitResponse> {
  await checkCommittable(ctx, offered.map((o) => o.name), deps);
  const outputs: ResultRecord['outputs'] = [];
  let metrics: Record<string, number> = {};
  for (const { name, manifest: raw } of offered) {
    const { manifest, digest } = await storeOutputManifest(name, raw, deps);
    await grantAccess(deps.store, ctx.plan.namespace, digest);
    metrics = { ...metrics, ...(await metricsOf(manifest, deps)) };
    const bytes = manifest.entries.reduce((sum, e) => sum + e.size, 0);
    outputs.push({ name, digest, files: manifest.entries.length, bytes });
  }
  const log = await saveLog(ctx, deps);
  if (log) outputs.push(log);
  const record: ResultRecord = Object.keys(metrics).length ? { outputs, metrics } : { outputs };
  const podUid = ctx.pod.metadata?.uid ?? '';
  await deps.pods.annotate(ctx.plan.namespace, ctx.pod.metadata?.name ?? '', { [resultAnnotation]: signResult(deps.signingKey, podUid, record) });
  deps.logger.info({ job: `${ctx.plan.namespace}/${ctx.plan.job}`, outputs: outputs.map((o) => `${o.name}=${o.digest}`) }, 'committed the outputs of a run');
  return record;
}
