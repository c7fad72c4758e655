import { describe, expect, it } from 'vitest';
import { decideLease, leaseRecordKey, nextLeaseRecord, type LeaseAction, type LeaseObservation } from './lease-decision.ts';

const me = 'replica-a';
const other = 'replica-b';

describe('decideLease', () => {
  const cases: Array<{ name: string; observed: LeaseObservation | undefined; nowMs: number; wantAction: LeaseAction }> = [
    { name: 'no lease exists', observed: undefined, nowMs: 0, wantAction: 'create' },
    { name: 'we hold it', observed: { record: { holderIdentity: me, leaseDurationSeconds: 15 }, observedAtMs: 0 }, nowMs: 5_000, wantAction: 'renew' },
    {
      name: 'we hold it but it looks expired (we were paused): still ours to renew',
      observed: { record: { holderIdentity: me, leaseDurationSeconds: 15 }, observedAtMs: 0 },
      nowMs: 60_000,
      wantAction: 'renew',
    },
    { name: 'released (empty holder)', observed: { record: { holderIdentity: '', leaseDurationSeconds: 1 }, observedAtMs: 0 }, nowMs: 0, wantAction: 'acquire' },
    { name: 'no holder field at all', observed: { record: {}, observedAtMs: 0 }, nowMs: 0, wantAction: 'acquire' },
    {
      name: 'another holder, renewed recently',
      observed: { record: { holderIdentity: other, leaseDurationSeconds: 15 }, observedAtMs: 10_000 },
      nowMs: 24_999,
      wantAction: 'wait',
    },
    {
      name: 'another holder, exactly at expiry',
      observed: { record: { holderIdentity: other, leaseDurationSeconds: 15 }, observedAtMs: 10_000 },
      nowMs: 25_000,
      wantAction: 'acquire',
    },
    {
      name: 'another holder, expired long ago',
      observed: { record: { holderIdentity: other, leaseDurationSeconds: 15 }, observedAtMs: 0 },
      nowMs: 3_600_000,
      wantAction: 'acquire',
    },
    {
      name: "another holder whose renewTime is old by *its* clock: expiry counts from when we saw it",
      observed: { record: { holderIdentity: other, leaseDurationSeconds: 15, renewTime: '2000-01-01T00:00:00.000000Z' }, observedAtMs: 100_000 },
      nowMs: 101_000,
      wantAction: 'wait',
    },
    {
      name: 'another holder without leaseDurationSeconds: our leaseDuration applies',
      observed: { record: { holderIdentity: other }, observedAtMs: 0 },
      nowMs: 9_999,
      wantAction: 'wait',
    },
  ];

  it.each(cases)('$name → $wantAction', ({ observed, nowMs, wantAction }) => {
    expect(decideLease({ observed, identity: me, nowMs, leaseDurationMs: 10_000 })).toBe(wantAction);
  });
});

describe('nextLeaseRecord', () => {
  const nowMs = Date.parse('2030-01-01T00:00:10Z');

  it('creates with no transitions', () => {
    expect(nextLeaseRecord(undefined, { action: 'create', identity: me, nowMs, leaseDurationMs: 15_000 })).toEqual({
      holderIdentity: me,
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: new Date(nowMs),
      renewTime: new Date(nowMs),
    });
  });

  it('counts a takeover from another holder as a transition', () => {
    const next = nextLeaseRecord({ holderIdentity: other, leaseTransitions: 3 }, { action: 'acquire', identity: me, nowMs, leaseDurationMs: 15_000 });
    expect(next.leaseTransitions).toBe(4);
    expect(next.holderIdentity).toBe(me);
  });

  it('renews without moving acquireTime or the transition count', () => {
    const acquired = '2030-01-01T00:00:00.000000Z';
    const next = nextLeaseRecord({ holderIdentity: me, leaseTransitions: 4, acquireTime: acquired }, { action: 'renew', identity: me, nowMs, leaseDurationMs: 15_000 });
    expect(next).toMatchObject({ leaseTransitions: 4, acquireTime: new Date(acquired), renewTime: new Date(nowMs) });
  });
});

describe('leaseRecordKey', () => {
  it('changes when the holder renews and stays equal for the same record', () => {
    const a = { holderIdentity: other, renewTime: '2030-01-01T00:00:00.000000Z', leaseTransitions: 1 };
    expect(leaseRecordKey({ ...a })).toBe(leaseRecordKey(a));
    expect(leaseRecordKey({ ...a, renewTime: '2030-01-01T00:00:02.000000Z' })).not.toBe(leaseRecordKey(a));
  });
});
