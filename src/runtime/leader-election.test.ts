import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderElector } from './leader-election.ts';
import { createLogger } from './logger.ts';

/** An in-memory Lease endpoint with the API server's optimistic concurrency (409 on a stale resourceVersion). */
class FakeLeases {
  lease: V1Lease | undefined;
  private version = 0;
  /** Identities whose requests fail, as if their network were cut. */
  readonly cutOff = new Set<string>();
  /** Identities whose requests wait until release(), as if the API server were stuck. */
  readonly hang = new Set<string>();
  private readonly held: (() => void)[] = [];

  apiFor(identity: string): CoordinationV1Api {
    const guard = (): void => {
      if (this.cutOff.has(identity)) throw new Error('connection refused');
    };
    const stuck = (): Promise<void> => (this.hang.has(identity) ? new Promise((resolve) => this.held.push(resolve)) : Promise.resolve());
    const api = {
      readNamespacedLease: async () => {
        guard();
        await stuck();
        if (!this.lease) throw new ApiException(404, 'NotFound', '{"reason":"NotFound"}', {});
        return this.wire(this.lease);
      },
      createNamespacedLease: ({ body }: { body: V1Lease }) => {
        guard();
        if (this.lease) return Promise.reject(new ApiException(409, 'AlreadyExists', '{"reason":"AlreadyExists"}', {}));
        return Promise.resolve(this.store(body));
      },
      replaceNamespacedLease: ({ body }: { body: V1Lease }) => {
        guard();
        if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) {
          return Promise.reject(new ApiException(409, 'Conflict', '{"reason":"Conflict"}', {}));
        }
        return Promise.resolve(this.store(body));
      },
    };
    return api as unknown as CoordinationV1Api;
  }

  /** Lets every stuck request go on. */
  release(): void {
    for (const resume of this.held.splice(0)) resume();
  }

  holder(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }

  private store(body: V1Lease): V1Lease {
    this.version += 1;
    this.lease = this.wire({ ...body, metadata: { ...body.metadata, resourceVersion: String(this.version) } });
    return this.wire(this.lease);
  }

  /** What a round trip through JSON does: times become strings, like client-node's decoded MicroTime. */
  private wire(lease: V1Lease): V1Lease {
    return JSON.parse(JSON.stringify(lease)) as V1Lease;
  }
}

function elector(leases: FakeLeases, identity: string): { elector: LeaderElector; log: string[]; done: Promise<void> } {
  const log: string[] = [];
  const e = new LeaderElector({
    api: leases.apiFor(identity),
    namespace: 'ns',
    name: 'lease',
    identity,
    leaseDurationMs: 10_000,
    renewDeadlineMs: 6_000,
    retryPeriodMs: 2_000,
    logger: createLogger({ level: 'silent' }),
  });
  const done = e.run({ onStartedLeading: () => log.push('started'), onStoppedLeading: () => log.push('stopped') });
  return { elector: e, log, done };
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets exactly one of two simultaneous candidates lead', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    const b = elector(leases, 'b');
    await vi.advanceTimersByTimeAsync(30_000);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(leases.holder()).toBe(a.elector.isLeader() ? 'a' : 'b');
    await a.elector.release();
    await b.elector.release();
  });

  it('keeps renewing while it can reach the API server', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    await vi.advanceTimersByTimeAsync(0);
    const firstRenew = leases.lease?.spec?.renewTime;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(a.log).toEqual(['started']);
    expect(leases.lease?.spec?.renewTime).not.toBe(firstRenew);
    await a.elector.release();
  });

  it('stops writing renewDeadline after the last confirmed renewal, but keeps leading through an outage nobody else used', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    await vi.advanceTimersByTimeAsync(2_000); // the renewal at t=2s is the last one confirmed
    expect(a.elector.mayWrite()).toBe(true);
    leases.cutOff.add('a');
    await vi.advanceTimersByTimeAsync(5_999);
    expect(a.elector.mayWrite()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.elector.mayWrite()).toBe(false);
    // A minute with no API server: no step-down, no writes.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(a.log).toEqual(['started']);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.mayWrite()).toBe(false);
    leases.cutOff.delete('a');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.elector.mayWrite()).toBe(true);
    expect(a.log).toEqual(['started']);
    expect(leases.holder()).toBe('a');
    await a.elector.release();
  });

  it('steps down after an outage when another replica took the lease meanwhile, having written nothing since the deadline', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    await vi.advanceTimersByTimeAsync(0);
    const b = elector(leases, 'b');
    await vi.advanceTimersByTimeAsync(1_000);
    leases.cutOff.add('a');
    await vi.advanceTimersByTimeAsync(7_000);
    expect(a.elector.mayWrite()).toBe(false);
    // b must not take over before a's lease could have expired on its own clock.
    expect(b.elector.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.log).toEqual(['started']);
    expect(leases.holder()).toBe('b');
    expect(leases.lease?.spec?.leaseTransitions).toBe(1);
    expect(a.elector.mayWrite()).toBe(false);
    leases.cutOff.delete('a');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.log).toEqual(['started', 'stopped']);
    await a.done;
    expect(a.elector.mayWrite()).toBe(false);
    await b.elector.release();
  });

  it('closes the fence on time even while a renewal hangs, and does not count a renewal answered after it', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    await vi.advanceTimersByTimeAsync(2_000);
    leases.hang.add('a');
    await vi.advanceTimersByTimeAsync(6_000);
    expect(a.elector.mayWrite()).toBe(false);
    leases.hang.delete('a');
    leases.release();
    // The hung calls now answer, after the deadline: the fence stays closed until a timely renewal.
    await vi.advanceTimersByTimeAsync(0);
    expect(a.elector.mayWrite()).toBe(false);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(a.elector.mayWrite()).toBe(true);
    expect(a.log).toEqual(['started']);
    await a.elector.release();
  });

  it('steps down when its lease was released or re-created by someone else, even if free to take', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    await vi.advanceTimersByTimeAsync(0);
    if (leases.lease?.spec) leases.lease.spec.holderIdentity = '';
    await vi.advanceTimersByTimeAsync(2_500);
    expect(a.log).toEqual(['started', 'stopped']);
    expect(a.elector.mayWrite()).toBe(false);
  });

  it('stops leading as soon as it sees another holder', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    await vi.advanceTimersByTimeAsync(0);
    if (leases.lease?.spec) leases.lease.spec.holderIdentity = 'intruder';
    await vi.advanceTimersByTimeAsync(2_500);
    expect(a.log).toEqual(['started', 'stopped']);
  });

  it('on release, hands the lease over at once without calling onStoppedLeading', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a');
    await vi.advanceTimersByTimeAsync(0);
    const b = elector(leases, 'b');
    await vi.advanceTimersByTimeAsync(1_000);
    await a.elector.release();
    await a.done;
    expect(a.log).toEqual(['started']);
    expect(leases.holder()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2_500);
    expect(b.log).toEqual(['started']);
    await b.elector.release();
  });
});
