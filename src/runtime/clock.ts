/** Milliseconds since the epoch, injected so timing logic can be tested without waiting. */
export interface Clock {
  now(): number;
}

/** The wall clock (Date.now, which vitest's fake timers also control). */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for tests of pure timing decisions. */
export class ManualClock implements Clock {
  private current: number;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` (never backwards: real clocks used here are monotonic enough). */
  advance(ms: number): void {
    this.current += Math.max(0, ms);
  }
}
