import { isConflict } from './kube-client.ts';
import { FencedWriteError } from './write-fence.ts';

/** A reconcile error that retrying cannot fix (an invalid spec, a missing reference): not requeued. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/**
 * A write lost an optimistic-concurrency race (409 Conflict): the cache was stale. Not a failure,
 * so the controller requeues the key quickly and logs it at debug, not error.
 */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** How the controller treats a reconcile error; decided in one place (CONTRIBUTING.md, Style › Errors). */
export type ErrorClass = 'terminal' | 'conflict' | 'fenced' | 'retryable';

function isFenced(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) if (e instanceof FencedWriteError) return true;
  return false;
}

/**
 * Classifies a thrown value: TerminalError; ConflictError or an API 409 Conflict; a write stopped by
 * the leader's fence (also as the cause of another error); or anything else.
 */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof TerminalError) return 'terminal';
  if (isFenced(err)) return 'fenced';
  if (err instanceof ConflictError || isConflict(err)) return 'conflict';
  return 'retryable';
}
