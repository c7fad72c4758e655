/**
 * Per-key exponential backoff, as client-go's ItemExponentialFailureRateLimiter: the n-th
 * consecutive failure of a key waits baseMs·2ⁿ, capped at maxMs, until the key is forgotten.
 */
export class ExponentialBackoff {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly counts = new Map<string, number>();

  constructor(opts: { baseMs: number; maxMs: number }) {
    if (!(opts.baseMs > 0) || !(opts.maxMs >= opts.baseMs)) {
      throw new Error(`backoff needs 0 < baseMs <= maxMs, got baseMs=${opts.baseMs} maxMs=${opts.maxMs}`);
    }
    this.baseMs = opts.baseMs;
    this.maxMs = opts.maxMs;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const failures = this.counts.get(key) ?? 0;
    this.counts.set(key, failures + 1);
    // 2**1024 is Infinity, and Infinity is capped correctly, but cap the exponent anyway to keep the
    // arithmetic boring for keys that fail for days.
    const delay = this.baseMs * 2 ** Math.min(failures, 62);
    return Math.min(delay, this.maxMs);
  }

  /** Clears the failure count of `key`: its next failure starts again at baseMs. */
  forget(key: string): void {
    this.counts.delete(key);
  }

  /** How many consecutive failures `key` has had since it was last forgotten. */
  failures(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
