// The pure half of leader election: what to do with a Lease, given what we last saw of it and when.
// client-go's tryAcquireOrRenew, minus the I/O.

/** The parts of a coordination.k8s.io/v1 LeaseSpec the decision reads. */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** As read from the API: an RFC 3339 string (client-node leaves MicroTime undecoded) or a Date. */
  renewTime?: string | Date;
  acquireTime?: string | Date;
  leaseTransitions?: number;
}

/**
 * A lease record and when *this process* first saw it in its current form. Expiry is measured from
 * observedAtMs on our own clock, never from the record's renewTime, so clock skew between replicas
 * cannot make a live leader look expired (client-go does the same).
 */
export interface LeaseObservation {
  record: LeaseRecord;
  observedAtMs: number;
}

/** create: no Lease exists; acquire: take it over; renew: we hold it; wait: someone else validly holds it. */
export type LeaseAction = 'create' | 'acquire' | 'renew' | 'wait';

/** Inputs of decideLease. */
export interface LeaseDecisionInput {
  observed: LeaseObservation | undefined;
  identity: string;
  nowMs: number;
  /** Used when the record has no leaseDurationSeconds of its own. */
  leaseDurationMs: number;
}

/** Decides whether to create, acquire, renew or wait, from the last observation of the Lease. */
export function decideLease(input: LeaseDecisionInput): LeaseAction {
  const { observed, identity, nowMs } = input;
  if (!observed) return 'create';
  const holder = observed.record.holderIdentity ?? '';
  if (holder === identity) return 'renew';
  // An empty holder is a released lease: free to take at once.
  if (holder === '') return 'acquire';
  const durationMs = (observed.record.leaseDurationSeconds ?? 0) > 0 ? (observed.record.leaseDurationSeconds ?? 0) * 1000 : input.leaseDurationMs;
  return observed.observedAtMs + durationMs > nowMs ? 'wait' : 'acquire';
}

/** The LeaseSpec to write for `action` (not 'wait'), keeping acquireTime and transitions on renew. */
export function nextLeaseRecord(
  previous: LeaseRecord | undefined,
  opts: { action: Exclude<LeaseAction, 'wait'>; identity: string; nowMs: number; leaseDurationMs: number },
): Required<Pick<LeaseRecord, 'holderIdentity' | 'leaseDurationSeconds' | 'leaseTransitions'>> & { acquireTime: Date; renewTime: Date } {
  const now = new Date(opts.nowMs);
  const leaseDurationSeconds = Math.max(1, Math.round(opts.leaseDurationMs / 1000));
  const transitions = previous?.leaseTransitions ?? 0;
  if (opts.action === 'renew') {
    const acquired = previous?.acquireTime ? new Date(previous.acquireTime) : now;
    return { holderIdentity: opts.identity, leaseDurationSeconds, leaseTransitions: transitions, acquireTime: acquired, renewTime: now };
  }
  // Taking over from another holder is a transition; re-taking a lease we released is one too
  // (client-go counts a change of holder, and "" → us is a change).
  const changed = opts.action === 'acquire' && (previous?.holderIdentity ?? '') !== opts.identity;
  return {
    holderIdentity: opts.identity,
    leaseDurationSeconds,
    leaseTransitions: changed ? transitions + 1 : transitions,
    acquireTime: now,
    renewTime: now,
  };
}

/** Identifies a record's content, so a changed record restarts the expiry clock. */
export function leaseRecordKey(record: LeaseRecord | undefined): string {
  if (!record) return '';
  const time = (t: string | Date | undefined): string => (t instanceof Date ? t.toISOString() : (t ?? ''));
  return JSON.stringify([record.holderIdentity ?? '', time(record.renewTime), time(record.acquireTime), record.leaseTransitions ?? 0]);
}
