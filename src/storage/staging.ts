// Staging keys for uploads through a store whose presigned PUTs cannot bind their body (checksumMode
// `off`): such a PUT binds only its length, so it must never name a content-addressed key, which
// every namespace reads. Each blob of an upload session goes instead to a key of that session alone,
// `staging/uploads/<namespace>/<session id>/<hex>`, which the operator hashes at commit before
// copying it under the digest's name (staged-commit.ts). The session id is the session's lease id, a
// hash of its signed token: only the session's pusher and the operator can name it, the commit
// derives it from the session it verified (never from anything the client says), and garbage
// collection can tell a staged object whose push is still alive from an abandoned one. Pure.
import type { StoredObject } from './object-store.ts';
import { digestHex } from './manifest.ts';
import { uploadLeaseId } from './push-lease.ts';

/** The prefix of every staged upload; under `staging/`, which garbage collection sweeps. */
export const stagedUploadPrefix = 'staging/uploads/';

const stagedKeyPattern = /^staging\/uploads\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/(upload-[0-9a-f]{40})\/([0-9a-f]{64})$/;

/** The prefix of one upload session's staged blobs. */
export function stagedSessionPrefix(namespace: string, sessionToken: string): string {
  return `${stagedUploadPrefix}${namespace}/${uploadLeaseId(sessionToken)}/`;
}

/** Where the upload session `sessionToken` of `namespace` stages the blob `digest`. */
export function stagedUploadKey(namespace: string, sessionToken: string, digest: string): string {
  return `${stagedSessionPrefix(namespace, sessionToken)}${digestHex(digest)}`;
}

/** The parts of a staged upload's key, or undefined for any other key. */
export function parseStagedUploadKey(key: string): { namespace: string; sessionId: string; hex: string } | undefined {
  const match = stagedKeyPattern.exec(key);
  if (!match) return undefined;
  return { namespace: match[1] ?? '', sessionId: match[3] ?? '', hex: match[4] ?? '' };
}

/** Whether `key` is an upload session's staging key: the only key a PUT that binds no body may name. */
export function isStagedUploadKey(key: string): boolean {
  return stagedKeyPattern.test(key);
}

/** What the staging sweep weighs: the grace period, and the sessions whose lease is still renewed. */
export interface StagingSweepPolicy {
  now: Date;
  graceMs: number;
  /** Lease ids (= session ids) whose head was renewed within the lease TTL: their pushes are alive. */
  activeSessions: ReadonlySet<string>;
}

/**
 * Whether a listed object under `staging/` may be deleted: past the grace period, and not the staged
 * blob of a session whose push still renews its lease (a push may take longer than the grace).
 * Anything else under `staging/` (a verified copy a crash left behind) goes once past the grace.
 */
export function isAbandonedStaging(object: StoredObject, policy: StagingSweepPolicy): boolean {
  if (object.lastModified.getTime() > policy.now.getTime() - policy.graceMs) return false;
  const staged = parseStagedUploadKey(object.key);
  return staged === undefined || !policy.activeSessions.has(staged.sessionId);
}
