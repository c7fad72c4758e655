// The presigned PUTs of an upload session, and the proof a commit reads back from them. A blob
// merely present under its digest proves nothing: another tenant may have stored the same bytes,
// before the session or during it, and knowing a digest must never be enough to be granted its
// bytes. So each PUT to a content-addressed key also carries the session's upload tag as signed
// object metadata; the store keeps it with the object, and a commit counts a blob as sent by the
// session only while the tag there is the session's. Where the store cannot bind a body to a PUT
// (checksumMode `off`), the PUT names the session's own staging key instead (staged-commit.ts).
import { createHash } from 'node:crypto';
import { blobKey, digestHex } from './manifest.ts';
import type { BlobStore, ObjectHead, PresignedPut } from './object-store.ts';
import type { VerifiedCopier } from './staged-commit.ts';
import { stagedUploadKey } from './staging.ts';

/** One blob an upload session hands out a PUT for. */
export interface SessionUpload {
  namespace: string;
  sessionToken: string;
  digest: string;
  size: number;
}

/**
 * The tag an upload session's PUTs leave on the objects they write: a hash of its token, so the
 * token itself (a bearer credential for renewals) is never stored where a listing could show it.
 */
export function uploadTagOf(sessionToken: string): string {
  return createHash('sha256').update('tessera.dev/upload-tag/v1\0').update(sessionToken).digest('hex').slice(0, 32);
}

/**
 * The presigned PUT for one blob of an upload session: to its content-addressed key, bound to its
 * SHA-256 and tagged with the session, where the store verifies bodies (`staged` absent); to the
 * session's staging key, bound only to its size, where it cannot (`staged`, the copier of
 * checksumMode `off`).
 */
export function presignSessionPut(deps: { store: Pick<BlobStore, 'presignPut'>; staged?: VerifiedCopier }, upload: SessionUpload, expiresSeconds: number): Promise<PresignedPut> {
  if (deps.staged) return deps.store.presignPut({ key: stagedUploadKey(upload.namespace, upload.sessionToken, upload.digest), sha256Hex: digestHex(upload.digest), size: upload.size, expiresSeconds });
  return deps.store.presignPut({ key: blobKey(upload.digest), sha256Hex: digestHex(upload.digest), size: upload.size, expiresSeconds, uploadTag: uploadTagOf(upload.sessionToken) });
}

/**
 * Whether the object at a blob's key was last written through this session's PUT. A later write of
 * the same bytes by anyone else replaces the tag: the commit is refused (BlobMissing) and the pusher
 * sends the blob again under a new session, rather than anyone being granted bytes on another's word.
 */
export function writtenBySession(stored: ObjectHead | undefined, sessionToken: string): boolean {
  return stored?.uploadTag !== undefined && stored.uploadTag === uploadTagOf(sessionToken);
}
