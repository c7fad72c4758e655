import type { Algo } from '../api/algo.ts';
import type { Dataset } from '../api/dataset.ts';
import type { PushResult } from '../storage/file-sets.ts';
import type { UploadRequest } from '../workstation-api/protocol.ts';
import type { KubeConnection } from './kube-connection.ts';

// A workstation push: hash the directory, ask the workstation API (as the user, through the API
// server) which blobs to send, send them on presigned PUTs, commit the manifest — the operator then
// grants the file set to the namespace — and hand the result to the caller, which applies the object
// naming it. The grant comes before the object, so the controller can read the file set at once.

/** A directory pushed and granted to the namespace of the object that will name it. */
export interface GrantedPush {
  conn: KubeConnection;
  namespace: string;
  result: PushResult;
}

/** The file sets the object already has (its current and recent versions): their blobs need no upload. */
async function currentFileSets(conn: KubeConnection, target: UploadRequest['for'], namespace: string): Promise<string[]> {
  const { readTessera } = await import('./apply-tessera.ts');
  try {
    if (target.kind === 'Algo') {
      const algo = await readTessera<Algo>(conn, 'algos', namespace, target.name);
      return algo.spec.code ? [algo.spec.code.digest] : [];
    }
    const dataset = await readTessera<Dataset>(conn, 'datasets', namespace, target.name);
    const digests = [dataset.status?.digest, ...(dataset.status?.history ?? []).map((v) => v.digest)];
    return [...new Set(digests.filter((d): d is string => d !== undefined))].slice(0, 16);
  } catch {
    // None yet, or the user may not read it: everything is uploaded, which is only slower.
    return [];
  }
}

type Progress = ReturnType<typeof import('./progress.ts').pushProgress>;
type FilesApi = ReturnType<typeof import('./files-api.ts').filesApi>;

/** Hashes `dir`, sends the blobs the workstation API asks for, and commits the manifest. */
async function sendTree(dir: string, api: FilesApi, to: { namespace: string; target: UploadRequest['for']; base: string[] }, bar: Progress): Promise<PushResult> {
  const { hashTree } = await import('../storage/file-sets.ts');
  const { manifestDigest } = await import('../storage/manifest.ts');
  const { putBlobs } = await import('../transfer/put-blobs.ts');
  const { renewingWhile } = await import('../storage/push-lease.ts');
  const tree = await hashTree(dir, undefined, (p) => bar.update(p));
  const digest = manifestDigest(tree.manifest);
  const blobs = tree.blobs.map((b) => ({ digest: b.digest, size: b.size }));
  const answer = await api.upload(to.namespace, { for: to.target, manifestDigest: digest, blobs, base: to.base });
  let sent = 0;
  const total = answer.uploads.length;
  bar.update({ phase: 'uploading', done: 0, total });
  // The session's lease keeps the first blobs of a push slower than GC's grace period.
  const moved = await renewingWhile(() => api.renew(to.namespace, answer.session), () => putBlobs(answer.uploads, tree.blobs, { onBlobSent: () => bar.update({ phase: 'uploading', done: ++sent, total }) }));
  await api.commit(to.namespace, { session: answer.session, manifest: tree.manifest });
  return { digest, manifest: tree.manifest, uploadedBytes: moved.bytes, uploadedBlobs: moved.blobs, skippedBlobs: tree.blobs.length - moved.blobs };
}

/**
 * Uploads `dir` through the workstation API (only blobs the namespace cannot show it holds, with a
 * progress bar on a terminal), commits it, then hands it to `apply`, which writes the object.
 */
export async function pushGranted(
  dir: string,
  object: { name: string; namespace?: string; kind: UploadRequest['for']['kind'] },
  apply: (push: GrantedPush) => Promise<void>,
): Promise<void> {
  const { connect } = await import('./kube-connection.ts');
  const { filesApi } = await import('./files-api.ts');
  const { pushProgress } = await import('./progress.ts');
  const conn = await connect(object.namespace);
  const { namespace } = conn;
  const target = { kind: object.kind, name: object.name };
  const bar = pushProgress(`${namespace}/${object.name}`);
  try {
    const result = await sendTree(dir, filesApi(conn), { namespace, target, base: await currentFileSets(conn, target, namespace) }, bar);
    bar.stop();
    await apply({ conn, namespace, result });
  } finally {
    bar.stop();
  }
}
