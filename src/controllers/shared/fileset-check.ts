import type { FileSetVerdict, ManifestCache } from '../../storage/manifest-cache.ts';

// Whether a file set may be used at all: a manifest with a path that could escape the target
// directory (or that collides on a case-insensitive disk), or one that is corrupt, can never be
// pulled, so whatever names it says so in its status at once, instead of failing later in a pod.
// The verdict is a property of the digest and is cached; asking costs nothing after the first time.

/** Why a file set cannot be used; the same reason strings on Datasets, Algos and Jobs. */
export const FileSetReason = {
  UnsafeFileSet: 'UnsafeFileSet',
  CorruptFileSet: 'CorruptFileSet',
} as const;

/** A file set that can never be pulled, and the reason and message to show for it. */
export interface FileSetProblem {
  digest: string;
  reason: string;
  message: string;
}

/** The problem a verdict stands for; undefined when the file set is valid or not (yet) in the store. */
export function verdictProblem(digest: string, verdict: FileSetVerdict): FileSetProblem | undefined {
  if (verdict.kind === 'unsafe') return { digest, reason: FileSetReason.UnsafeFileSet, message: `file set ${digest} has an ${verdict.message}` };
  if (verdict.kind === 'corrupt') return { digest, reason: FileSetReason.CorruptFileSet, message: `file set ${digest} is corrupt: ${verdict.message}` };
  return undefined;
}

/**
 * The first of `digests` whose manifest is unsafe or corrupt, or undefined when none is. Missing
 * manifests are not a problem here (other checks say so); an I/O error throws, to be retried.
 */
export async function firstUnusableFileSet(digests: Iterable<string>, manifests: Pick<ManifestCache, 'check'>): Promise<FileSetProblem | undefined> {
  for (const digest of new Set(digests)) {
    const problem = verdictProblem(digest, await manifests.check(digest));
    if (problem) return problem;
  }
  return undefined;
}

/** Every file set a resolved run reads: its inputs and its code. */
export function digestsRead(run: { inputs: ReadonlyArray<{ digest: string }>; code?: { digest: string } }): string[] {
  return [...run.inputs.map((input) => input.digest), ...(run.code ? [run.code.digest] : [])];
}
