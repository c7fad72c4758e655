import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { systemClock, type Clock } from './clock.ts';
import { isNotFound, makeClient, statusCode } from './kube-client.ts';
import { decideLease, leaseRecordKey, nextLeaseRecord, type LeaseAction, type LeaseObservation } from './lease-decision.ts';
import type { Logger } from './logger.ts';
import { Sleeper, withTimeout } from './timers.ts';

/** client-go's jitter on the acquire retry period, so candidates do not poll in lockstep. */
const jitterFactor = 1.2;

/** Options of a LeaderElector: one of kc or api, and client-go's three durations. */
export interface LeaderElectorOptions {
  /** Used to build an unthrottled client: renewals must not queue behind the operator's own traffic. */
  kc?: KubeConfig;
  api?: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  /** How long a non-leader waits after last seeing the lease change before taking it over. */
  leaseDurationMs: number;
  /** How long the leader keeps retrying a failed renewal before giving up leadership. */
  renewDeadlineMs: number;
  /** How often to try to acquire or renew. */
  retryPeriodMs: number;
  logger: Logger;
  clock?: Clock;
}

/** What the elector calls when leadership starts and when it is lost (not on release()). */
export interface LeaderCallbacks {
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

type Attempt = 'ok' | 'held' | 'failed';

function validate(opts: LeaderElectorOptions): void {
  if (!(opts.leaseDurationMs > opts.renewDeadlineMs)) throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
  if (!(opts.renewDeadlineMs > jitterFactor * opts.retryPeriodMs)) throw new Error(`renewDeadlineMs must be greater than ${jitterFactor} × retryPeriodMs`);
  if (!opts.identity) throw new Error('leader election needs a non-empty identity');
}

/**
 * client-go's leader election on a coordination.k8s.io/v1 Lease: acquire when the holder has not
 * renewed for leaseDuration (on our clock), renew every retryPeriod, write with the read
 * resourceVersion so a 409 means someone else won. When renewals fail for renewDeadline, or another
 * holder is seen, leadership is lost: onStoppedLeading runs, and the caller must stop acting at once.
 */
export class LeaderElector {
  private readonly opts: LeaderElectorOptions;
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private readonly log: Logger;
  private observed: LeaseObservation | undefined;
  private observedKey = '';
  private lease: V1Lease | undefined;
  private leading = false;
  private released = false;
  private readonly sleeper = new Sleeper();

  constructor(opts: LeaderElectorOptions) {
    validate(opts);
    const api = opts.api ?? (opts.kc ? makeClient(opts.kc, CoordinationV1Api, { userAgent: 'tessera-leader-election' }) : undefined);
    if (!api) throw new Error('LeaderElector needs kc or api');
    this.opts = opts;
    this.api = api;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
  }

  /** Whether this process holds the lease now (as of its last successful renewal). */
  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until leading, then renews until leadership is lost (onStoppedLeading is called) or
   * release() is called. Resolves when it stops; API errors are logged and retried, never thrown.
   */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    if (!(await this.acquire())) return;
    this.leading = true;
    this.log.info('acquired the lease');
    callbacks.onStartedLeading();
    await this.renewUntilLost();
    if (this.released) return;
    this.leading = false;
    callbacks.onStoppedLeading();
  }

  /**
   * Stops campaigning and, if leading, gives the lease up (empty holder, 1s duration) so another
   * replica takes over at once instead of after leaseDuration. onStoppedLeading is not called.
   */
  async release(): Promise<void> {
    this.released = true;
    this.sleeper.wake();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await withTimeout(this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace }), this.opts.renewDeadlineMs, 'reading the lease');
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = new V1MicroTime(this.clock.now());
      const spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
      await withTimeout(this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: { ...lease, spec } }), this.opts.renewDeadlineMs, 'releasing the lease');
      this.log.info('released the lease');
    } catch (error) {
      // Not fatal: the lease simply expires after leaseDuration.
      this.log.warn({ err: error }, 'could not release the lease; it will expire');
    }
  }

  /** Tries until the lease is ours (true) or release() is called (false). */
  private async acquire(): Promise<boolean> {
    this.log.info('campaigning for the lease');
    while (!this.released) {
      if ((await this.tryAcquireOrRenew()) === 'ok') return !this.released;
      await this.sleeper.sleep(this.opts.retryPeriodMs * (1 + Math.random() * (jitterFactor - 1)));
    }
    return false;
  }

  /** Renews every retryPeriod; returns when renewals failed for renewDeadline, another holder appeared, or on release. */
  private async renewUntilLost(): Promise<void> {
    let lastRenew = this.clock.now();
    while (!this.released) {
      await this.sleeper.sleep(this.opts.retryPeriodMs);
      if (this.released) return;
      const attempt = await this.tryAcquireOrRenew();
      if (attempt === 'ok') {
        lastRenew = this.clock.now();
        continue;
      }
      const sinceRenew = this.clock.now() - lastRenew;
      if (attempt === 'held' || sinceRenew >= this.opts.renewDeadlineMs) {
        this.log.error({ sinceRenewMs: sinceRenew, holder: this.observed?.record.holderIdentity }, 'lost the lease');
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const now = this.clock.now();
    try {
      this.observe(await this.readLease(), now);
    } catch (error) {
      this.log.warn({ err: error }, 'reading the lease failed');
      return 'failed';
    }
    const action = decideLease({ observed: this.observed, identity: this.opts.identity, nowMs: now, leaseDurationMs: this.opts.leaseDurationMs });
    if (action === 'wait') return 'held';
    try {
      this.observe(await this.writeLease(action, now), now);
      return 'ok';
    } catch (error) {
      // 409: another candidate wrote first; the next read shows who.
      this.log.warn({ err: error, action, status: statusCode(error) }, 'writing the lease failed');
      return 'failed';
    }
  }

  private async readLease(): Promise<V1Lease | undefined> {
    try {
      return await withTimeout(this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace }), this.opts.renewDeadlineMs, 'reading the lease');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async writeLease(action: Exclude<LeaseAction, 'wait'>, nowMs: number): Promise<V1Lease> {
    const { name, namespace, identity, leaseDurationMs } = this.opts;
    const record = nextLeaseRecord(this.lease?.spec, { action, identity, nowMs, leaseDurationMs });
    const spec = { ...this.lease?.spec, ...record, acquireTime: new V1MicroTime(record.acquireTime), renewTime: new V1MicroTime(record.renewTime) };
    // The body carries the resourceVersion we read: the API server rejects the write (409) if the
    // lease changed since, which is what makes two candidates unable to both win.
    const call =
      action === 'create'
        ? this.api.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec } })
        : this.api.replaceNamespacedLease({ name, namespace, body: { ...this.lease, spec } });
    return withTimeout(call, this.opts.renewDeadlineMs, `${action} the lease`);
  }

  /** Remembers the lease and, when its record changed, when we first saw it so (the expiry clock). */
  private observe(lease: V1Lease | undefined, nowMs: number): void {
    this.lease = lease;
    if (!lease) {
      this.observed = undefined;
      this.observedKey = '';
      return;
    }
    const record = lease.spec ?? {};
    const key = leaseRecordKey(record);
    if (key !== this.observedKey || !this.observed) this.observed = { record, observedAtMs: nowMs };
    else this.observed = { record, observedAtMs: this.observed.observedAtMs };
    this.observedKey = key;
  }
}
