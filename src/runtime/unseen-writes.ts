import type { Clock } from './clock.ts';

// A reconciler that has just written an object, and runs again before its informer reports the
// write, reads the object as it was: what it computes is stale, and a write from that stale
// resourceVersion is refused with 409 Conflict, one wasted request per occurrence (client-go's
// controllers keep "expectations" for the same reason). This remembers, per key, the resourceVersion
// a write started from, so the next pass can wait for the informer instead.

/** How long to wait for the informer before trusting the cache again (a lost write, a relist). */
const defaultPatienceMs = 30_000;

/** Writes whose result the cache does not show yet, by object key. */
export class UnseenWrites {
  private readonly from = new Map<string, { resourceVersion: string; at: number }>();
  private readonly clock: Clock;
  private readonly patienceMs: number;

  constructor(clock: Clock, patienceMs = defaultPatienceMs) {
    this.clock = clock;
    this.patienceMs = patienceMs;
  }

  /** Records a successful write of `key` made from the cached `resourceVersion`. */
  wrote(key: string, resourceVersion: string | undefined): void {
    if (resourceVersion) this.from.set(key, { resourceVersion, at: this.clock.now() });
  }

  /**
   * Whether the cached object at `resourceVersion` predates this process's last write of it; once the
   * cache has moved on, or patience ran out, the key is forgotten.
   */
  isBehind(key: string, resourceVersion: string | undefined): boolean {
    const write = this.from.get(key);
    if (!write) return false;
    if (write.resourceVersion === resourceVersion && this.clock.now() - write.at < this.patienceMs) return true;
    this.from.delete(key);
    return false;
  }

  /** Forgets a key, e.g. when its object is gone. */
  forget(key: string): void {
    this.from.delete(key);
  }
}
