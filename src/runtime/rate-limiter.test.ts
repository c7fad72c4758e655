import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.ts';
import { TokenBucket } from './rate-limiter.ts';

describe('TokenBucket.tryTake', () => {
  it('allows a burst, then one token per 1/qps seconds', () => {
    const clock = new ManualClock(1_000);
    const bucket = new TokenBucket({ qps: 10, burst: 3, clock });
    expect([1, 2, 3, 4].map(() => bucket.tryTake())).toEqual([true, true, true, false]);
    clock.advance(99);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('never holds more than burst tokens after a long idle time', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 100, burst: 2, clock });
    clock.advance(60_000);
    expect([1, 2, 3].map(() => bucket.tryTake())).toEqual([true, true, false]);
  });
});

describe('TokenBucket.take', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns at once within the burst, then paces callers 1/qps apart in call order', async () => {
    const bucket = new TokenBucket({ qps: 5, burst: 2 });
    const granted: Array<[number, number]> = [];
    const callers = [0, 1, 2, 3, 4].map((i) => bucket.take().then(() => granted.push([i, Date.now()])));
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([
      [0, 0],
      [1, 0],
    ]);
    await vi.advanceTimersByTimeAsync(199);
    expect(granted).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted.at(-1)).toEqual([2, 200]);
    await vi.advanceTimersByTimeAsync(400);
    await Promise.all(callers);
    expect(granted).toEqual([
      [0, 0],
      [1, 0],
      [2, 200],
      [3, 400],
      [4, 600],
    ]);
  });

  it('counts waiting callers against tryTake, so a waiter is not overtaken', async () => {
    const bucket = new TokenBucket({ qps: 10, burst: 1 });
    await bucket.take();
    const waiting = bucket.take();
    await vi.advanceTimersByTimeAsync(100);
    expect(bucket.tryTake()).toBe(false);
    await waiting;
  });
});
