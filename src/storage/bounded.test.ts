import { describe, expect, it } from 'vitest';
import { forEachBounded } from './bounded.ts';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('forEachBounded', () => {
  it('runs every item with never more than `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick();
      done.push(n);
      inFlight -= 1;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('starts nothing after the first failure, waits for those in flight, then throws that failure', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = forEachBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error('first');
      if (n === 2) {
        await tick();
        finished += 1;
        throw new Error('second');
      }
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([1, 2]);
    expect(finished).toBe(1);
  });

  it('does nothing for no items', async () => {
    await expect(forEachBounded([], 4, () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
  });
});
