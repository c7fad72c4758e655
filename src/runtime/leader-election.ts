import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { systemClock, type Clock } from './clock.ts';
import { isNotFound, makeClient, statusCode } from './kube-client.ts';
import { decideLease, leaseRecordKey, nextLeaseRecord, type LeaseAction, type LeaseObservation } from './lease-decision.ts';
import type { Logger } from './logger.ts';
import { Sleeper, withTimeout } from './timers.ts';
import type { WriteFence } from './write-fence.ts';

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

/** ok: the lease is ours now; held: another holder is seen; failed: the API did not answer or refused. */
type Attempt = 'ok' | 'held' | 'failed';

function validate(opts: LeaderElectorOptions): void {
  if (!(opts.leaseDurationMs > opts.renewDeadlineMs)) throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
  if (!(opts.renewDeadlineMs > jitterFactor * opts.retryPeriodMs)) throw new Error(`renewDeadlineMs must be greater than ${jitterFactor} × retryPeriodMs`);
  if (!opts.identity) throw new Error('leader election needs a non-empty identity');
}

/**
 * client-go's leader election on a coordination.k8s.io/v1 Lease, fenced: acquire when the holder has
 * not renewed for leaseDuration (on our clock), renew every retryPeriod, write with the read
 * resourceVersion so a 409 means someone else won.
 *
 * Unlike client-go, an unreachable API server does not end leadership. mayWrite() closes once
 * renewDeadline has passed since the start of the last renewal the API server confirmed: no other
 * replica can take the lease before leaseDuration from that moment, so until then our writes are
 * safe, and after it none leave the process. Renewals keep being tried; when the API server answers
 * again and the lease still names us (nobody led meanwhile: a takeover changes the holder, and our
 * write carries the read resourceVersion), the renewal reopens the fence. Only a lease held by
 * someone else ends leadership: onStoppedLeading runs, and the caller must stop acting at once.
 */
export class LeaderElector implements WriteFence {
  private readonly opts: LeaderElectorOptions;
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private readonly log: Logger;
  private observed: LeaseObservation | undefined;
  private observedKey = '';
  private lease: V1Lease | undefined;
  private leading = false;
  private released = false;
  /** When the last write the API server confirmed was sent: every other replica saw it later. */
  private confirmedAtMs = Number.NEGATIVE_INFINITY;
  /** Set once the fence closed for lack of renewals, so the outage and the recovery are logged once. */
  private suspended = false;
  private readonly sleeper = new Sleeper();

  constructor(opts: LeaderElectorOptions) {
    validate(opts);
    const api = opts.api ?? (opts.kc ? makeClient(opts.kc, CoordinationV1Api, { userAgent: `tessera-leader-election/${opts.identity}` }) : undefined);
    if (!api) throw new Error('LeaderElector needs kc or api');
    this.opts = opts;
    this.api = api;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
  }

  /** Whether this process holds the lease (it may be waiting for the API server to confirm it). */
  isLeader(): boolean {
    return this.leading;
  }

  /** Whether this process may write now: it leads and no other replica could have taken the lease. */
  mayWrite(): boolean {
    return this.leading && !this.released && this.clock.now() < this.confirmedAtMs + this.opts.renewDeadlineMs;
  }

  /**
   * Campaigns until leading, then renews until another holder is seen (onStoppedLeading is called)
   * or release() is called. Resolves when it stops; API errors are logged and retried, never thrown.
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
      if ((await this.attempt('campaign')) === 'ok') return !this.released;
      await this.sleeper.sleep(this.opts.retryPeriodMs * (1 + Math.random() * (jitterFactor - 1)));
    }
    return false;
  }

  /** Renews every retryPeriod; returns when another holder is seen, or on release. */
  private async renewUntilLost(): Promise<void> {
    while (!this.released) {
      await this.sleeper.sleep(this.opts.retryPeriodMs);
      if (this.released) return;
      const attempt = await this.attempt('renew');
      if (attempt === 'held') {
        this.log.error({ holder: this.observed?.record.holderIdentity }, 'lost the lease: another replica holds it');
        return;
      }
      this.noteFence(attempt);
    }
  }

  /** Logs the moments the fence closes for lack of renewals and reopens after one. */
  private noteFence(attempt: Attempt): void {
    if (attempt === 'ok' && this.suspended) {
      this.suspended = false;
      this.log.info('renewed the lease after an outage; nobody led meanwhile, so writes resume');
    } else if (attempt === 'failed' && !this.suspended && !this.mayWrite()) {
      this.suspended = true;
      this.log.warn({ renewDeadlineMs: this.opts.renewDeadlineMs }, 'could not renew the lease within the renew deadline: all writes stop until the API server confirms a renewal');
    }
  }

  /**
   * One read-decide-write round. While leading, any holder other than us means leadership is gone:
   * even an expired or released lease, since someone else may have led in between.
   */
  private async attempt(mode: 'campaign' | 'renew'): Promise<Attempt> {
    const startedAt = this.clock.now();
    try {
      this.observe(await this.readLease(), startedAt);
    } catch (error) {
      this.log.warn({ err: error }, 'reading the lease failed');
      return 'failed';
    }
    const action = decideLease({ observed: this.observed, identity: this.opts.identity, nowMs: startedAt, leaseDurationMs: this.opts.leaseDurationMs });
    if (action === 'wait' || (mode === 'renew' && action !== 'renew')) return 'held';
    try {
      this.observe(await this.writeLease(action, startedAt), startedAt);
      this.confirmedAtMs = startedAt;
      return 'ok';
    } catch (error) {
      // 409: another candidate wrote first; the next read shows who.
      this.log.warn({ err: error, action, status: statusCode(error) }, 'writing the lease failed');
      return 'failed';
    }
  }

  /**
   * How long one call may take: while the fence is open, only until it would close (a renewal that
   * answers later is no longer one we may act on); after that, a whole renew deadline per try.
   */
  private callBudgetMs(): number {
    const left = this.confirmedAtMs + this.opts.renewDeadlineMs - this.clock.now();
    return left > 0 ? left : this.opts.renewDeadlineMs;
  }

  private async readLease(): Promise<V1Lease | undefined> {
    try {
      return await withTimeout(this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace }), this.callBudgetMs(), 'reading the lease');
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
    return withTimeout(call, this.callBudgetMs(), `${action} the lease`);
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
