import { systemClock, type Clock } from './clock.ts';

/**
 * A client-side token bucket (client-go's default QPS/burst limiter; client-node has none): up to
 * `burst` requests at once, then `qps` per second.
 *
 * take() reserves a token even when the bucket is empty (the balance goes negative) and waits for
 * it to be earned, like golang.org/x/time/rate's Reserve: waiters are served in call order without
 * a queue, and a burst of callers is spread out exactly 1/qps apart.
 */
export class TokenBucket {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(opts: { qps: number; burst: number; clock?: Clock }) {
    if (!(opts.qps > 0) || !(opts.burst >= 1)) {
      throw new Error(`token bucket needs qps > 0 and burst >= 1, got qps=${opts.qps} burst=${opts.burst}`);
    }
    this.qps = opts.qps;
    this.burst = opts.burst;
    this.clock = opts.clock ?? systemClock;
    this.tokens = opts.burst;
    this.last = this.clock.now();
  }

  /** Waits until a token is available and takes it. */
  async take(): Promise<void> {
    const waitMs = this.reserve();
    // The global setTimeout, not timers/promises: fake timers in tests patch only the global.
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** Takes a token if one is available now; never waits and never goes into debt. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Reserves a token and returns how long (ms) the caller must wait before using it. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  /** Tokens available now (negative while reservations are outstanding); for tests and metrics. */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.qps);
  }
}
