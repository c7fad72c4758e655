import { ApiException } from '@kubernetes/client-node';
import type { EventDetails, EventRecorder, EventSubject } from '../../src/runtime/events.ts';

// One ordered log shared by the recording writers, the recording store and the event recorder of a
// reconciler under test, so a test states an ordering invariant as a list: `['put lent/…',
// 'createJob Job org-b/…']`. A call can be told to fail the way the API server would fail it.

/** Every call the reconciler made to the outside world, in order, as `verb Kind namespace/name …`. */
export class WriteLog {
  readonly entries: string[] = [];
  private readonly failures: Array<{ prefix: string; error: Error }> = [];

  /**
   * Makes the next call whose entry starts with `prefix` (e.g. `createBatchJob`, or `writeStatus Job
   * team-a/train`) fail with `error`, once; queued failures of one prefix are used in order.
   */
  failNext(prefix: string, error: Error): void {
    this.failures.push({ prefix, error });
  }

  /** Records a call; returns the failure queued for it, if any. */
  record(entry: string): Error | undefined {
    this.entries.push(entry);
    const i = this.failures.findIndex((f) => entry.startsWith(f.prefix));
    if (i < 0) return undefined;
    const [failure] = this.failures.splice(i, 1);
    return failure?.error;
  }

  /** The entries recorded after the first `count`: what one pass did, given what came before. */
  since(count: number): string[] {
    return this.entries.slice(count);
  }
}

/**
 * An API error as @kubernetes/client-node throws it, with the Status body the API server sends:
 * e.g. `apiError(409, 'AlreadyExists')`, `apiError(409, 'Conflict')`, `apiError(422, 'Invalid', 'spec…: Invalid value')`.
 */
export function apiError(code: number, reason: string, message = reason): ApiException<string> {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
  return new ApiException(code, `HTTP-Code: ${code}\nMessage: ${message}`, body, {});
}

/** The next resourceVersion after `version`: the API server's are opaque; these count, which is enough. */
export function nextVersion(version: string | undefined): string {
  return String(Number(version ?? '0') + 1);
}

/** An event recorder that logs `event Type Reason namespace/name`: events are part of what a reconcile says. */
export function recordingEvents(log: WriteLog): Pick<EventRecorder, 'record'> {
  return {
    record(subject: EventSubject, event: EventDetails): void {
      log.record(`event ${event.type} ${event.reason} ${subject.namespace}/${subject.name}`);
    },
  };
}
