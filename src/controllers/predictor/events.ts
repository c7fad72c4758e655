import type { PredictorStatus } from '../../api/predictor.ts';
import { PredictorPhase } from '../../api/predictor.ts';
import type { EventDetails } from '../../runtime/events.ts';

// The Events of a Predictor's status change: one per change of phase or reason (a Warning when it
// failed), and one when the model it serves changes. Never one per pass. Pure.

function modelChanged(before: Readonly<PredictorStatus> | undefined, after: Readonly<PredictorStatus>): EventDetails[] {
  if (!before?.modelDigest || after.modelDigest === before.modelDigest) return [];
  return [{ type: 'Normal', reason: 'ModelChanged', action: 'Rollout', note: `rolling out ${after.modelSource ?? 'the model'} (${after.modelDigest})` }];
}

function readyReason(status: Readonly<PredictorStatus> | undefined): string | undefined {
  return status?.conditions?.find((c) => c.type === 'Ready')?.reason;
}

/** The Events for going from `before` to `after`, in order. */
export function predictorEvents(before: Readonly<PredictorStatus> | undefined, after: Readonly<PredictorStatus>): EventDetails[] {
  const events = modelChanged(before, after);
  if (before?.phase === after.phase && readyReason(before) === readyReason(after)) return events;
  const failed = after.phase === PredictorPhase.Failed;
  events.push({ type: failed ? 'Warning' : 'Normal', reason: readyReason(after) ?? after.phase, action: 'Reconcile', note: after.message ?? after.phase });
  return events;
}
