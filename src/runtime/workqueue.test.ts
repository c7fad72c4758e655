import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExponentialBackoff } from './backoff.ts';
import { createMetrics } from './metrics.ts';
import { WorkQueue } from './workqueue.ts';

/** Resolves whether `promise` settled within the current turn of the (fake) event loop. */
async function settled<T>(promise: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => (state = { done: true, value }));
  await vi.advanceTimersByTimeAsync(0);
  return state;
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('queues a key once however often it is added', async () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(queue.len()).toBe(0);
  });

  it('hands keys out in FIFO order', async () => {
    const queue = new WorkQueue({ name: 'test' });
    for (const key of ['c', 'a', 'b']) queue.add(key);
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(['c', 'a', 'b']);
  });

  it('never hands a key being processed to a second worker', async () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    expect(queue.len()).toBe(0);
    const second = await settled(queue.get());
    expect(second.done).toBe(false);
  });

  it('re-queues a key added while it was processing when done() is called, once', async () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    queue.add('a');
    const waiting = queue.get();
    queue.done(key ?? '');
    expect(await waiting).toBe('a');
    expect(queue.len()).toBe(0);
  });

  it('does not re-queue a key on done() when nobody added it meanwhile', async () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.add('a');
    queue.done((await queue.get()) ?? '');
    expect(queue.len()).toBe(0);
  });

  it('wakes a waiting get() when a key is added', async () => {
    const queue = new WorkQueue({ name: 'test' });
    const waiting = queue.get();
    expect((await settled(waiting)).done).toBe(false);
    queue.add('a');
    expect(await waiting).toBe('a');
  });

  it('adds a key only after the delay of addAfter', async () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.addAfter('a', 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(queue.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.len()).toBe(1);
  });

  it('keeps the earliest deadline when a key is added after different delays', async () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.addAfter('a', 5000);
    queue.addAfter('a', 1000);
    queue.addAfter('a', 3000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('a');
    queue.done('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(queue.len()).toBe(0);
  });

  it('adds at once when addAfter is given no delay', () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.addAfter('a', 0);
    expect(queue.len()).toBe(1);
  });

  it('delays rate-limited adds by the per-key backoff, reset by forget', async () => {
    const queue = new WorkQueue({ name: 'test', backoff: new ExponentialBackoff({ baseMs: 100, maxMs: 10_000 }) });
    queue.addRateLimited('a');
    await vi.advanceTimersByTimeAsync(99);
    expect(queue.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    queue.done((await queue.get()) ?? '');
    queue.addRateLimited('a');
    await vi.advanceTimersByTimeAsync(199);
    expect(queue.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.len()).toBe(1);
    expect(queue.numRequeues('a')).toBe(2);
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
  });

  it('resolves pending and later get() calls with undefined after shutDown, and ignores adds', async () => {
    const queue = new WorkQueue({ name: 'test' });
    const pending = [queue.get(), queue.get()];
    queue.shutDown();
    expect(await Promise.all(pending)).toEqual([undefined, undefined]);
    queue.add('a');
    expect(await queue.get()).toBeUndefined();
    expect(queue.isShuttingDown()).toBe(true);
  });

  it('cancels delayed adds on shutDown', async () => {
    const queue = new WorkQueue({ name: 'test' });
    queue.addAfter('a', 100);
    queue.shutDown();
    await vi.advanceTimersByTimeAsync(1000);
    expect(queue.len()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports depth, adds, retries and durations', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const queue = new WorkQueue({ name: 'jobs', metrics: metrics.queue, backoff: new ExponentialBackoff({ baseMs: 10, maxMs: 10 }) });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    expect((await metrics.queue.depth.get()).values).toEqual([{ labels: { name: 'jobs' }, value: 2 }]);
    expect((await metrics.queue.adds.get()).values[0]?.value).toBe(2);
    await vi.advanceTimersByTimeAsync(250);
    const key = (await queue.get()) ?? '';
    await vi.advanceTimersByTimeAsync(1500);
    queue.done(key);
    queue.addRateLimited('a');
    expect((await metrics.queue.retries.get()).values[0]?.value).toBe(1);
    const queued = await metrics.queue.queueDuration.get();
    expect(queued.values.find((v) => v.metricName === 'workqueue_queue_duration_seconds_sum')?.value).toBeCloseTo(0.25);
    const worked = await metrics.queue.workDuration.get();
    expect(worked.values.find((v) => v.metricName === 'workqueue_work_duration_seconds_sum')?.value).toBeCloseTo(1.5);
  });
});
