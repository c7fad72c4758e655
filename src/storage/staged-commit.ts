// The commit of blobs an upload session staged (staging.ts), for stores whose presigned PUTs cannot
// bind a body (checksumMode `off`). Proof of possession is the staged object itself: only the
// session's pusher held a URL for its key, so bytes there were sent by it; and they count only once
// the operator has read them back and they hash to the digest claimed. The copy into place reads
// an operator-private copy, not the staged key (whose presigned PUT is still valid and could be
// overwritten between the hash and the copy): the copier copies first, hashes the copy, and only a
// match reaches the content-addressed key. A blob merely present under its digest proves nothing
// here, so another tenant's push of the same bytes during the session is never mistaken for this
// one's. Staged objects that fail are deleted at once; those that passed, once the commit is done.
import { forEachBounded } from './bounded.ts';
import { ChecksumMismatchError } from './hashing.ts';
import { blobKey, digestHex } from './manifest.ts';
import type { BlobStore } from './object-store.ts';
import { stagedSessionPrefix, stagedUploadKey } from './staging.ts';

/** Copies an object of the store to another key only if its bytes hash to `sha256Hex`. */
export interface VerifiedCopier {
  /**
   * Copies `from` to `to` server-side, through a copy only the operator can write, once that copy
   * hashes to `sha256Hex`; throws ChecksumMismatchError (leaving `to` untouched) if it does not.
   */
  copyVerified(from: string, to: string, sha256Hex: string): Promise<void>;
}

/** What a staged commit works with. */
export interface StagedCommitDeps {
  store: Pick<BlobStore, 'stat' | 'delete' | 'list'>;
  copier: VerifiedCopier;
}

/** The blobs an upload session had to send, by digest and the size the manifest says. */
export interface StagedClaim {
  namespace: string;
  sessionToken: string;
  blobs: ReadonlyArray<{ digest: string; size: number }>;
}

/** Which claimed blobs did not pass; empty lists when all did (and are now under their digests). */
export interface StagedVerdict {
  /** Nothing staged for it in this session. */
  missing: string[];
  /** Staged with another size than the manifest says (refused without reading it). */
  wrongSize: string[];
  /** Staged bytes that do not hash to the digest claimed. */
  mismatched: string[];
}

// Blobs hashed at once: each streams through the operator, so this bounds its CPU and sockets, not
// its memory (a hash holds no body).
const verifyConcurrency = 4;

/**
 * Verifies every claimed blob staged by the session and copies each that hashes to its digest under
 * that digest. Staged objects that fail are deleted; the rest stay until discardStagedSession, so a
 * commit that fails later (or whose answer is lost) can be tried again.
 */
export async function promoteStagedBlobs(deps: StagedCommitDeps, claim: StagedClaim): Promise<StagedVerdict> {
  const verdict: StagedVerdict = { missing: [], wrongSize: [], mismatched: [] };
  const distinct = [...new Map(claim.blobs.map((b) => [b.digest, b])).values()];
  const outcomes: Array<{ digest: string; key: string; outcome: Outcome }> = [];
  await forEachBounded(distinct, verifyConcurrency, async (blob) => {
    const key = stagedUploadKey(claim.namespace, claim.sessionToken, blob.digest);
    outcomes.push({ digest: blob.digest, key, outcome: await promoteOne(deps, key, blob) });
  });
  for (const { digest, outcome } of outcomes) if (outcome !== 'promoted') verdict[outcome].push(digest);
  await deps.store.delete(outcomes.filter((o) => o.outcome === 'wrongSize' || o.outcome === 'mismatched').map((o) => o.key));
  return verdict;
}

type Outcome = 'promoted' | keyof StagedVerdict;

async function promoteOne(deps: StagedCommitDeps, key: string, blob: { digest: string; size: number }): Promise<Outcome> {
  const staged = await deps.store.stat(key);
  if (!staged) return 'missing';
  if (staged.size !== blob.size) return 'wrongSize';
  try {
    await deps.copier.copyVerified(key, blobKey(blob.digest), digestHex(blob.digest));
    return 'promoted';
  } catch (error) {
    if (error instanceof ChecksumMismatchError) return 'mismatched';
    throw error;
  }
}

function sample(digests: readonly string[]): string {
  return `${digests.length} blob(s), e.g. ${digests.slice(0, 3).join(', ')}`;
}

/** Why a verdict refuses the commit, in words for the pusher; undefined when every blob passed. */
export function stagedRefusal(verdict: StagedVerdict): { reason: 'mismatch' | 'size' | 'missing'; message: string } | undefined {
  if (verdict.mismatched.length > 0) {
    return { reason: 'mismatch', message: `the bytes uploaded for ${sample(verdict.mismatched)} do not hash to the digest the upload claimed; they were discarded` };
  }
  if (verdict.wrongSize.length > 0) return { reason: 'size', message: `${sample(verdict.wrongSize)} were uploaded with another size than the manifest says` };
  if (verdict.missing.length > 0) return { reason: 'missing', message: `${sample(verdict.missing)} were not uploaded in this upload session` };
  return undefined;
}

/** Deletes whatever the session staged (a committed session's blobs are under their digests by now). */
export async function discardStagedSession(store: Pick<BlobStore, 'list' | 'delete'>, namespace: string, sessionToken: string): Promise<void> {
  const keys: string[] = [];
  for await (const object of store.list(stagedSessionPrefix(namespace, sessionToken))) keys.push(object.key);
  await store.delete(keys);
}
