// The transfer API's operations, after the caller is proven (identity.ts) and its run known
// (authorize.ts). Every permission check happens here, in the operator: the pod only ever holds
// presigned URLs for exactly the objects it may touch, for a few minutes.
import type * as k8s from '@kubernetes/client-node';
import { logsOutputName } from '../../api/job.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { grantAccess, hasAccess, type UidOf } from '../../storage/access.ts';
import { forEachBounded } from '../../storage/bounded.ts';
import { sha256Bytes } from '../../storage/hashing.ts';
import type { ManifestCache } from '../../storage/manifest-cache.ts';
import { isInvalidManifest, putManifest, writeManifest } from '../../storage/manifest-io.ts';
import { blobKey, digestHex, manifestDigest, manifestKey, validateManifest, type Manifest } from '../../storage/manifest.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import { leaseKeys, releasePushLease, renewPushLease, uploadLeaseId, writeDigestLease } from '../../storage/push-lease.ts';
import { resultAnnotation, signResult, type ResultRecord, type SigningKeys } from '../../storage/result-record.ts';
import { presignSessionPut, writtenBySession } from '../../storage/session-put.ts';
import { discardStagedSession, type VerifiedCopier } from '../../storage/staged-commit.ts';
import { checkNoCaseCollisions } from '../../storage/target-dir.ts';
import type { CommitResponse, DownloadResponse, RunPlan, UploadResponse } from '../protocol.ts';
import { checkReadable, checkWritable, mainExitCode, type RunContext } from './authorize.ts';
import { TransferError } from './errors.ts';
import { maxMetricsFileBytes, metricsFromJson } from './metrics-file.ts';
import { readAtMost } from './read-limit.ts';
import { checkStagedPossession } from './staged-commit.ts';
import { signSession, verifySession, type UploadSession } from './upload-session.ts';

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
  /** A namespace's current uid (the operator's cache): grants belong to the namespace as it is now, not to its name. */
  uidOf: UidOf;
  pods: PodAccess;
  /** Sign results and upload sessions with the first, verify with any. */
  signingKeys: SigningKeys;
  /** How long a presigned URL stays valid. */
  presignSeconds: number;
  logger: Logger;
  clock: Clock;
  /** Told the bytes of every blob a mover is handed a URL for (tessera_transfer_bytes_total). */
  bytesMoved?: (direction: 'download' | 'upload', bytes: number) => void;
  /** With checksumMode off: blobs are uploaded to staging keys, and this copies each into place once it verifies. */
  staged?: VerifiedCopier;
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
  const manifest = await writableManifest(digest, deps);
  const blobUrls: Record<string, string> = {};
  let bytes = 0;
  for (const entry of manifest.entries) {
    if (blobUrls[entry.digest] !== undefined) continue;
    blobUrls[entry.digest] = await deps.store.presignGet(blobKey(entry.digest), deps.presignSeconds);
    bytes += entry.size;
  }
  deps.bytesMoved?.('download', bytes);
  return { manifestUrl: await deps.store.presignGet(manifestKey(digest), deps.presignSeconds), blobUrls };
}

/** A message naming a bad path, cut short: a 4 KiB name must not become a 4 KiB status message. */
function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 512 ? `${message.slice(0, 400)}…${message.slice(-100)}` : message;
}

/**
 * A readable file set's manifest, refused with InvalidFileSet (a permanent 4xx naming the path)
 * when it could not be written safely: an unsafe path, or names equal when case is folded.
 */
async function writableManifest(digest: string, deps: TransferDeps): Promise<Manifest> {
  try {
    const manifest = await deps.manifests.get(digest);
    checkNoCaseCollisions(manifest.entries.map((e) => e.path));
    return manifest;
  } catch (error) {
    if (!isInvalidManifest(error)) throw error;
    throw new TransferError('InvalidFileSet', `file set ${digest} cannot be pulled: ${shortMessage(error)}`, { cause: error });
  }
}

/** What a pod offers to upload for one output. */
export interface UploadOffer {
  output: string;
  manifestDigest: string;
  blobs: ReadonlyArray<{ digest: string; size: number }>;
}

/** Whether the manifest is stored and its namespace was granted it: then every blob of it is the namespace's to name. */
async function isGranted(namespace: string, digest: string, deps: Pick<TransferDeps, 'store' | 'uidOf'>): Promise<boolean> {
  return (await hasAccess(deps.store, deps.uidOf, namespace, digest)) && (await deps.store.has(manifestKey(digest)));
}

/**
 * The blobs the run provably holds without uploading them, with their sizes: those of the file
 * sets it was given to read. Anything else it names must come through its own upload session.
 */
async function heldBlobs(ctx: RunContext, deps: TransferDeps): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  for (const input of ctx.plan.inputs) {
    const manifest = await deps.manifests.get(input.digest);
    for (const entry of manifest.entries) held.set(entry.digest, entry.size);
  }
  return held;
}

/**
 * POST /v1/upload: presigned PUTs for the blobs of one output, and the signed session the commit
 * must bring back. The answer never depends on whether the store holds a blob the run cannot
 * prove it holds (such a blob gets a PUT all the same), so it reveals nothing of other tenants'
 * bytes. An unchanged re-push of a manifest already granted to the namespace costs two HEADs.
 */
export async function presignUpload(ctx: RunContext, offer: UploadOffer, deps: TransferDeps): Promise<UploadResponse> {
  checkWritable(ctx.plan, offer.output);
  if (await isGranted(ctx.plan.namespace, offer.manifestDigest, deps)) return { manifestExists: true, uploads: [] };
  const held = await heldBlobs(ctx, deps);
  const distinct = [...new Map(offer.blobs.map((b) => [b.digest, b])).values()].filter((b) => held.get(b.digest) !== b.size);
  const session: UploadSession = { namespace: ctx.plan.namespace, podUid: ctx.pod.metadata?.uid ?? '', output: offer.output, manifestDigest: offer.manifestDigest, issuedAt: deps.clock.now() };
  const token = signSession(deps.signingKeys, session);
  const uploads: UploadResponse['uploads'] = [];
  await forEachBounded(distinct, headConcurrency, async (blob) => {
    const put = await presignSessionPut(deps, { namespace: session.namespace, sessionToken: token, ...blob }, deps.presignSeconds);
    uploads.push({ digest: blob.digest, url: put.url, headers: put.headers });
  });
  // Each PUT only accepts its blob's size, so these are the most bytes the upload can move.
  deps.bytesMoved?.('upload', distinct.reduce((sum, blob) => sum + blob.size, 0));
  // Until the commit nothing in use names these blobs: the session's lease keeps them, renewed by the push.
  await writeDigestLease(deps.store, uploadLeaseId(token), [offer.manifestDigest, ...offer.blobs.map((b) => b.digest)]);
  return { manifestExists: false, uploads, session: token };
}

/**
 * POST /v1/upload/renew: renews the lease of one of this pod's upload sessions. A lapsed lease is not
 * revived: a collection may already have taken blobs it no longer protected.
 */
export async function renewUpload(ctx: RunContext, token: string, deps: TransferDeps): Promise<{ renewed: true }> {
  const session = verifySession(deps.signingKeys, token, deps.clock.now());
  if (session?.namespace !== ctx.plan.namespace || session.podUid !== ctx.pod.metadata?.uid) {
    throw new TransferError('Forbidden', 'not an upload session of this pod');
  }
  const id = uploadLeaseId(token);
  if (!(await deps.store.has(leaseKeys(id).digests))) {
    throw new TransferError('Gone', `the upload session of output ${session.output} was not renewed for five minutes and its blobs are no longer protected from garbage collection`);
  }
  await renewPushLease(deps.store, id);
  return { renewed: true };
}

/** The session a commit of `name` brings, if it is this run's, for this output and manifest. */
function sessionFor(ctx: RunContext, offered: OfferedOutput, digest: string, deps: TransferDeps): UploadSession | undefined {
  const session = verifySession(deps.signingKeys, offered.session, deps.clock.now());
  const matches = session?.namespace === ctx.plan.namespace && session.podUid === ctx.pod.metadata?.uid && session.output === offered.name && session.manifestDigest === digest;
  return matches ? session : undefined;
}

/**
 * Throws unless every blob the manifest names is the run's to name, at the size it claims: one of
 * its inputs' blobs, or a blob last written by this output's upload session (session-put.ts;
 * stored size checked against the manifest's). A blob missing and a blob another push stored get
 * the same answer, so a commit cannot probe the store either.
 */
async function checkPossession(ctx: RunContext, claim: { name: string; manifest: Manifest; session?: { token: string } }, deps: TransferDeps): Promise<void> {
  const { name, manifest, session } = claim;
  const held = await heldBlobs(ctx, deps);
  const sizes = new Map(manifest.entries.map((e) => [e.digest, e.size]));
  const unproven: string[] = [];
  const wrongSize: string[] = [];
  await forEachBounded([...sizes], headConcurrency, async ([digest, size]) => {
    if (held.has(digest)) {
      if (held.get(digest) !== size) wrongSize.push(digest);
      return;
    }
    const stored = session ? await deps.store.stat(blobKey(digest)) : undefined;
    if (!session || !writtenBySession(stored, session.token)) unproven.push(digest);
    else if (stored?.size !== size) wrongSize.push(digest);
  });
  if (wrongSize.length > 0) {
    throw new TransferError('InvalidRequest', `output ${name}: ${wrongSize.length} blob(s) are stored with another size than the manifest says, e.g. ${wrongSize.slice(0, 3).join(', ')}`);
  }
  if (unproven.length > 0) {
    const why = session ? 'not uploaded in this upload session' : 'named without an upload session of this run for this manifest';
    throw new TransferError('BlobMissing', `output ${name}: ${unproven.length} blob(s) ${why}, e.g. ${unproven.slice(0, 3).join(', ')}`);
  }
}

/** Parses an offered manifest: shape, safe paths, no two names equal when case is folded. */
function parseOfferedManifest(name: string, raw: unknown): Manifest {
  try {
    const manifest = validateManifest(raw);
    checkNoCaseCollisions(manifest.entries.map((e) => e.path));
    return manifest;
  } catch (error) {
    throw new TransferError('InvalidRequest', `output ${name}: ${shortMessage(error)}`, { cause: error });
  }
}

/**
 * Validates a manifest the pod offers and stores it once the run proved it may name every blob.
 * A manifest already granted to the namespace needs no proof (its blobs are the namespace's). It is
 * written all the same: an old unused copy may be collected any moment, and the result about to
 * name it must find it (a fresh copy is young, so garbage collection keeps it and its blobs).
 */
async function storeOutputManifest(ctx: RunContext, offered: OfferedOutput, deps: TransferDeps): Promise<{ manifest: Manifest; digest: string }> {
  const manifest = parseOfferedManifest(offered.name, offered.manifest);
  const digest = manifestDigest(manifest);
  if (!(await isGranted(ctx.plan.namespace, digest, deps))) {
    const session = sessionFor(ctx, offered, digest, deps);
    if (deps.staged && session && offered.session) {
      const grantedNow = (): Promise<boolean> => isGranted(ctx.plan.namespace, digest, deps);
      const claim = { name: offered.name, manifest, namespace: session.namespace, sessionToken: offered.session, held: await heldBlobs(ctx, deps), grantedNow };
      await checkStagedPossession(claim, { store: deps.store, copier: deps.staged });
    } else {
      await checkPossession(ctx, { name: offered.name, manifest, session: session && offered.session ? { token: offered.session } : undefined }, deps);
    }
  }
  await putManifest(deps.store, manifest, digest);
  return { manifest, digest };
}

/**
 * metrics.json at the root of an output, if there is one of a sane size. The bytes read are
 * bounded by the limit itself, never by the size the manifest claims.
 */
async function metricsOf(manifest: Manifest, deps: TransferDeps): Promise<Record<string, number>> {
  const file = manifest.entries.find((e) => e.path === 'metrics.json');
  if (!file || file.size > maxMetricsFileBytes) return {};
  const bytes = await readAtMost(await deps.store.get(blobKey(file.digest)), maxMetricsFileBytes);
  return bytes ? metricsFromJson(bytes.toString('utf8')) : {};
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
  await grantAccess(deps.store, deps.uidOf, namespace, digest);
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

/** A committed output's upload session is done with: its lease, and anything it staged. */
async function endSession(namespace: string, session: string, deps: TransferDeps): Promise<void> {
  // The manifest is young now, and the Job's status names it within moments: the lease has done
  // its work, and holding it longer would keep a plan's released intermediate outputs from GC.
  await releasePushLease(deps.store, uploadLeaseId(session));
  if (deps.staged) await discardStagedSession(deps.store, namespace, session);
}

/** One output as a commit offers it: its manifest and the upload session that sent its blobs. */
export interface OfferedOutput {
  name: string;
  manifest: unknown;
  session?: string;
}

/**
 * POST /v1/commit: stores every output's manifest (after checking each blob is there), grants the
 * run's namespace read access, reads metrics.json, saves the main container's log, and records the
 * result on the pod, signed. Idempotent: a repeated commit records the same result.
 */
export async function commitOutputs(ctx: RunContext, offered: readonly OfferedOutput[], deps: TransferDeps): Promise<CommitResponse> {
  await checkCommittable(ctx, offered.map((o) => o.name), deps);
  const outputs: ResultRecord['outputs'] = [];
  let metrics: Record<string, number> = {};
  for (const output of offered) {
    const name = output.name;
    const { manifest, digest } = await storeOutputManifest(ctx, output, deps);
    await grantAccess(deps.store, deps.uidOf, ctx.plan.namespace, digest);
    if (output.session) await endSession(ctx.plan.namespace, output.session, deps);
    metrics = { ...metrics, ...(await metricsOf(manifest, deps)) };
    const bytes = manifest.entries.reduce((sum, e) => sum + e.size, 0);
    outputs.push({ name, digest, files: manifest.entries.length, bytes });
  }
  const log = await saveLog(ctx, deps);
  if (log) outputs.push(log);
  const record: ResultRecord = Object.keys(metrics).length ? { outputs, metrics } : { outputs };
  const podUid = ctx.pod.metadata?.uid ?? '';
  await deps.pods.annotate(ctx.plan.namespace, ctx.pod.metadata?.name ?? '', { [resultAnnotation]: signResult(deps.signingKeys, podUid, record) });
  deps.logger.info({ job: `${ctx.plan.namespace}/${ctx.plan.job}`, outputs: outputs.map((o) => `${o.name}=${o.digest}`) }, 'committed the outputs of a run');
  return record;
}
