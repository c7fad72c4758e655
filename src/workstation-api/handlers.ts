// What the workstation API does once the caller is known (front-proxy.ts): each handler authorizes
// with a SubjectAccessReview first, then works the store through presigned URLs and grants.
//
// Proof of possession: a namespace comes to hold a file set only by sending its bytes. An upload
// hands out a PUT for every blob the namespace cannot show it already holds (through a file set it was
// granted), whether or not the store has the blob, so the answer reveals nothing about other tenants'
// data; the commit then checks that each such blob was written during the session, at the size the
// manifest says. Knowing a digest is therefore worth nothing.
//
// Slow pushes: each upload session holds a push lease (storage/push-lease.ts) naming the manifest
// and every blob the session may send, so garbage collection keeps them however long past its grace
// period the push takes, as long as the push renews it (POST uploads with only the session, every
// minute); the commit renews it once more, to cover the moment until the Dataset or Algo names the
// file set, and it lapses on its own.
import { grantAccess, holdsAccess, type UidOf } from '../storage/access.ts';
import { forEachBounded } from '../storage/bounded.ts';
import type { ManifestCache } from '../storage/manifest-cache.ts';
import { putManifest } from '../storage/manifest-io.ts';
import { blobKey, manifestDigest, manifestKey, validateManifest, type Manifest } from '../storage/manifest.ts';
import { leaseKeys, renewPushLease, uploadLeaseId, writeDigestLease } from '../storage/push-lease.ts';
import type { BlobStore } from '../storage/object-store.ts';
import { presignSessionPut, writtenBySession } from '../storage/session-put.ts';
import { discardStagedSession, promoteStagedBlobs, stagedRefusal, type VerifiedCopier } from '../storage/staged-commit.ts';
import type { DownloadResponse } from '../transfer/protocol.ts';
import { requireAny, type AccessReviewer, type ResourceAction } from './access-review.ts';
import { ApiError } from './errors.ts';
import type { Caller } from './front-proxy.ts';
import { filesGroup, pushTargets, type CollectResponse, type CommitResponse, type RenewUpload, type UploadRequest, type UploadResponse } from './protocol.ts';
import { signSession, verifySession, type UploadSession } from './sessions.ts';

/** What the handlers work with. */
export interface WorkstationDeps {
  store: BlobStore;
  manifests: ManifestCache;
  /** A namespace's current uid (the operator's cache): grants are the namespace's as it is now, not its name's. */
  uidOf: UidOf;
  review: AccessReviewer;
  /** Signs and checks upload sessions; shared by every replica. */
  sessionKey: Buffer;
  now: () => number;
  presignSeconds: number;
  /** How long an upload session may last: the presigned PUTs expire with it. */
  sessionMaxAgeMs: number;
  /** Runs one garbage collection (on the leader; throws FencedWriteError elsewhere). */
  collect(graceMs: number, dryRun: boolean): Promise<CollectResponse>;
  /** With checksumMode off: blobs are uploaded to staging keys, and this copies each into place once it verifies. */
  staged?: VerifiedCopier;
}

const statConcurrency = 32;
const defaultGraceSeconds = 3600;

/** Pushing a file set for a Dataset or Algo needs the right to create or update that object. */
function pushActions(namespace: string, target: UploadRequest['for']): ResourceAction[] {
  const resource = pushTargets[target.kind];
  return [
    { group: 'tessera.dev', resource, verb: 'create', namespace },
    { group: 'tessera.dev', resource, verb: 'update', namespace, name: target.name },
  ];
}

/** Blobs of the base file sets the namespace holds; base file sets it does not hold count for nothing. */
async function heldBlobs(namespace: string, base: readonly string[], deps: WorkstationDeps): Promise<Set<string>> {
  const held = new Set<string>();
  for (const digest of new Set(base)) {
    if (!(await holdsAccess(deps.store, deps.uidOf, namespace, digest))) continue;
    const manifest = await deps.manifests.get(digest).catch(() => undefined);
    for (const entry of manifest?.entries ?? []) held.add(entry.digest);
  }
  return held;
}

/** POST namespaces/{ns}/uploads */
export async function startUpload(caller: Caller, namespace: string, request: UploadRequest, deps: WorkstationDeps): Promise<UploadResponse> {
  await requireAny(deps.review, caller, pushActions(namespace, request.for));
  const session: UploadSession = {
    namespace,
    kind: request.for.kind,
    name: request.for.name,
    manifestDigest: request.manifestDigest,
    base: [...new Set(request.base ?? [])],
    issuedAtMs: deps.now(),
  };
  const token = signSession(deps.sessionKey, session);
  await writeDigestLease(deps.store, uploadLeaseId(token), [request.manifestDigest, ...request.blobs.map((b) => b.digest)]);
  if (await holdsAccess(deps.store, deps.uidOf, namespace, request.manifestDigest)) return { session: token, alreadyGranted: true, uploads: [] };
  const held = await heldBlobs(namespace, session.base, deps);
  const needed = [...new Map(request.blobs.filter((b) => !held.has(b.digest)).map((b) => [b.digest, b])).values()];
  const expires = Math.min(deps.presignSeconds, Math.floor(deps.sessionMaxAgeMs / 1000));
  const uploads: UploadResponse['uploads'] = [];
  await forEachBounded(needed, statConcurrency, async (blob) => {
    const put = await presignSessionPut(deps, { namespace, sessionToken: token, ...blob }, expires);
    uploads.push({ digest: blob.digest, url: put.url, headers: put.headers });
  });
  return { session: token, alreadyGranted: false, uploads };
}

function parseManifest(raw: unknown): Manifest {
  try {
    return validateManifest(raw);
  } catch (error) {
    throw new ApiError('Invalid', `the manifest is not valid: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Each blob the session had to send: last written by one of its PUTs (session-put.ts), at the
 * manifest's size. A blob absent and a blob another push stored get the same answer, so a commit
 * cannot probe the store for digests.
 */
async function checkPossession(manifest: Manifest, sent: { session: UploadSession; token: string }, deps: WorkstationDeps): Promise<void> {
  const held = await heldBlobs(sent.session.namespace, sent.session.base, deps);
  const sizes = new Map(manifest.entries.filter((e) => !held.has(e.digest)).map((e) => [e.digest, e.size]));
  const problems: string[] = [];
  await forEachBounded([...sizes], statConcurrency, async ([digest, size]) => {
    const stored = await deps.store.stat(blobKey(digest));
    if (!stored || !writtenBySession(stored, sent.token)) problems.push(`${digest} was not uploaded in this session`);
    else if (stored.size !== size) problems.push(`${digest} is stored with ${stored.size} bytes, not ${size}`);
  });
  if (problems.length > 0) {
    throw new ApiError('Invalid', `${problems.length} blob(s) of the file set were not sent in this upload session, e.g. ${problems.slice(0, 3).join('; ')}`);
  }
}

/**
 * checkPossession for staged uploads (checksumMode off): each blob the session had to send must be
 * staged by it and hash to its digest, read back by the operator; it is then under that digest.
 */
async function checkStagedPossession(manifest: Manifest, sent: { session: UploadSession; token: string; copier: VerifiedCopier }, deps: WorkstationDeps): Promise<void> {
  const held = await heldBlobs(sent.session.namespace, sent.session.base, deps);
  const blobs = manifest.entries.filter((e) => !held.has(e.digest)).map((e) => ({ digest: e.digest, size: e.size }));
  const verdict = await promoteStagedBlobs({ store: deps.store, copier: sent.copier }, { namespace: sent.session.namespace, sessionToken: sent.token, blobs });
  const refusal = stagedRefusal(verdict);
  // A commit the client gave up waiting for may have finished, and discarded the staging, meanwhile.
  if (refusal?.reason === 'missing' && (await holdsAccess(deps.store, deps.uidOf, sent.session.namespace, manifestDigest(manifest)))) return;
  if (refusal) throw new ApiError('Invalid', `the upload session's blobs were refused: ${refusal.message}`);
}

/** A session of `namespace` its caller may still push with; throws otherwise. */
async function liveSession(caller: Caller, namespace: string, token: string, deps: WorkstationDeps): Promise<UploadSession> {
  const session = verifySession(deps.sessionKey, token, { nowMs: deps.now(), maxAgeMs: deps.sessionMaxAgeMs });
  if (session.namespace !== namespace) throw new ApiError('BadRequest', `the upload session is for namespace ${session.namespace}, not ${namespace}`);
  await requireAny(deps.review, caller, pushActions(namespace, { kind: session.kind, name: session.name }));
  return session;
}

/** POST namespaces/{ns}/uploads with only a session: renews its lease. A lapsed lease is not revived. */
export async function renewUpload(caller: Caller, namespace: string, request: RenewUpload, deps: WorkstationDeps): Promise<UploadResponse> {
  await liveSession(caller, namespace, request.session, deps);
  const id = uploadLeaseId(request.session);
  // Renewing a lapsed lease would claim protection for blobs a collection may already have taken.
  if (!(await deps.store.has(leaseKeys(id).digests))) {
    throw new ApiError('Gone', 'the upload session was not renewed for five minutes and its blobs are no longer protected from garbage collection: push again');
  }
  await renewPushLease(deps.store, id);
  return { session: request.session, alreadyGranted: false, uploads: [] };
}

/** POST namespaces/{ns}/commits */
export async function commitUpload(caller: Caller, namespace: string, request: { session: string; manifest: unknown }, deps: WorkstationDeps): Promise<CommitResponse> {
  const session = await liveSession(caller, namespace, request.session, deps);
  const manifest = parseManifest(request.manifest);
  const digest = manifestDigest(manifest);
  if (digest !== session.manifestDigest) throw new ApiError('BadRequest', `the manifest hashes to ${digest}, but the session was opened for ${session.manifestDigest}`);
  // A namespace created a moment ago may not be in the operator's cache yet: nothing can be granted to it until it is.
  if (deps.uidOf(namespace) === undefined) throw new ApiError('ServiceUnavailable', `namespace ${namespace} is not known to the operator yet; try again in a few seconds`);
  const held = await holdsAccess(deps.store, deps.uidOf, namespace, digest);
  if (!held && deps.staged) await checkStagedPossession(manifest, { session, token: request.session, copier: deps.staged }, deps);
  else if (!held) await checkPossession(manifest, { session, token: request.session }, deps);
  // Always written, held or not: an old unused copy of the same manifest may be collected any
  // moment, and the Dataset or Algo about to name it must find it.
  await putManifest(deps.store, manifest, digest);
  if (!held) await grantAccess(deps.store, deps.uidOf, namespace, digest);
  // Keeps protecting the file set for five minutes more, while the pusher records it in its object.
  await renewPushLease(deps.store, uploadLeaseId(request.session));
  if (deps.staged) await discardStagedSession(deps.store, namespace, request.session);
  return { digest, files: manifest.entries.length, bytes: manifest.entries.reduce((sum, e) => sum + e.size, 0) };
}

/**
 * GET namespaces/{ns}/filesets/{digest}: a file set the namespace holds (a grant, which only the
 * operator writes), for a caller allowed to get file sets there. Not holding it and it not existing
 * answer alike.
 */
export async function presignFileSet(caller: Caller, namespace: string, digest: string, deps: WorkstationDeps): Promise<DownloadResponse> {
  await requireAny(deps.review, caller, [{ group: filesGroup, resource: 'filesets', verb: 'get', namespace, name: digest }]);
  const notHeld = new ApiError('NotFound', `filesets.${filesGroup} "${digest}" not found in namespace "${namespace}"`);
  if (!(await holdsAccess(deps.store, deps.uidOf, namespace, digest))) throw notHeld;
  const manifest = await deps.manifests.get(digest).catch(() => {
    throw notHeld;
  });
  const blobUrls: Record<string, string> = {};
  for (const entry of manifest.entries) blobUrls[entry.digest] ??= await deps.store.presignGet(blobKey(entry.digest), deps.presignSeconds);
  return { manifestUrl: await deps.store.presignGet(manifestKey(digest), deps.presignSeconds), blobUrls };
}

/** POST garbagecollections: cluster-scoped, for platform administrators. */
export async function collectNow(caller: Caller, request: { graceSeconds?: number; dryRun?: boolean }, deps: WorkstationDeps): Promise<CollectResponse> {
  await requireAny(deps.review, caller, [{ group: filesGroup, resource: 'garbagecollections', verb: 'create' }]);
  return deps.collect((request.graceSeconds ?? defaultGraceSeconds) * 1000, request.dryRun === true);
}
