import type { TesseraJob, TesseraJobStatus } from '../../api/job.ts';
import { JobReason } from '../../api/job.ts';
import type { EventDetails, EventSubject } from '../../runtime/events.ts';

// Which status changes become Events. Problems are Warnings, so `kubectl events` shows what went
// wrong and when. The happy path adds none of its own: the batch Job's controller already records
// its pod's creation and the Job's completion, and Tessera's status and printer columns say the rest.
const warningReasons: ReadonlySet<string> = new Set([
  JobReason.Unschedulable,
  JobReason.ImagePullBackOff,
  JobReason.Preempted,
  JobReason.OOMKilled,
  JobReason.DeadlineExceeded,
  JobReason.BackoffLimitExceeded,
  JobReason.ContainerCrashed,
  JobReason.InvalidSpec,
  JobReason.Unauthorized,
  JobReason.CodeNotApproved,
  JobReason.NameTaken,
]);

/** The Event, if any, for a Job whose status goes from `before` to `after`. Pure. */
export function eventForTransition(before: TesseraJobStatus | undefined, after: TesseraJobStatus): EventDetails | undefined {
  if (before?.reason === after.reason && before?.phase === after.phase) return undefined;
  const note = after.message ?? after.reason ?? after.phase;
  if (after.reason && warningReasons.has(after.reason)) return { type: 'Warning', reason: after.reason, action: 'Run', note };
  if (after.reason === JobReason.Canceled) return { type: 'Normal', reason: JobReason.Canceled, action: 'Cancel', note };
  return undefined;
}

/** The Event subject for a Tessera Job. */
export function jobEventSubject(job: TesseraJob): EventSubject {
  return {
    apiVersion: job.apiVersion,
    kind: job.kind,
    namespace: job.metadata.namespace ?? '',
    name: job.metadata.name,
    uid: job.metadata.uid ?? '',
    resourceVersion: job.metadata.resourceVersion,
  };
}
