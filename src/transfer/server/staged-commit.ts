// A run's commit of an output whose blobs were staged (checksumMode `off`, src/storage/staging.ts):
// the possession check of handlers.ts, where the proof of each blob the run does not already hold
// is its staged object in this session, read back and hashed by the operator
// (src/storage/staged-commit.ts), instead of a blob the store verified on upload.
import type { Manifest } from '../../storage/manifest.ts';
import { promoteStagedBlobs, stagedRefusal, type StagedCommitDeps } from '../../storage/staged-commit.ts';
import { TransferError } from './errors.ts';

/** One output's claim: its manifest, the verified session's token, and the blobs the run holds (its inputs'). */
export interface StagedOutputClaim {
  name: string;
  manifest: Manifest;
  namespace: string;
  sessionToken: string;
  /** Blobs the run provably holds, with their sizes: they need no upload. */
  held: ReadonlyMap<string, number>;
  /**
   * Whether the manifest is granted to the namespace by now: a commit the mover gave up waiting for
   * (a large output takes long to hash) may finish, and discard the session's staging, while its
   * retry is checking.
   */
  grantedNow: () => Promise<boolean>;
}

/**
 * Throws unless every blob of the manifest is one the run holds at the size claimed, or was staged
 * by this session and hashes to its digest (it is then under that digest). A mismatch is the
 * pusher's: its upload did not match the digest it claimed (400, not retried).
 */
export async function checkStagedPossession(claim: StagedOutputClaim, deps: StagedCommitDeps): Promise<void> {
  const sizes = new Map(claim.manifest.entries.map((e) => [e.digest, e.size]));
  const wrongHeld = [...sizes].filter(([digest, size]) => claim.held.has(digest) && claim.held.get(digest) !== size).map(([digest]) => digest);
  if (wrongHeld.length > 0) {
    throw new TransferError('InvalidRequest', `output ${claim.name}: ${wrongHeld.length} blob(s) are stored with another size than the manifest says, e.g. ${wrongHeld.slice(0, 3).join(', ')}`);
  }
  const blobs = [...sizes].filter(([digest]) => !claim.held.has(digest)).map(([digest, size]) => ({ digest, size }));
  const refusal = stagedRefusal(await promoteStagedBlobs(deps, { namespace: claim.namespace, sessionToken: claim.sessionToken, blobs }));
  if (refusal?.reason === 'missing' && (await claim.grantedNow())) return;
  if (refusal) throw new TransferError(refusal.reason === 'missing' ? 'BlobMissing' : 'InvalidRequest', `output ${claim.name}: ${refusal.message}`);
}
