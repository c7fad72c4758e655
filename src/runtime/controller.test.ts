import { ApiException } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExponentialBackoff } from './backoff.ts';
import { Controller, TerminalError, type ReconcileResult, type Reconciler } from './controller.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';

interface Harness {
  controller: Controller;
  registry: Registry;
  calls: Array<{ key: string; at: number }>;
  lines: Array<Record<string, unknown>>;
}

function harness(reconcile: (key: string, call: number) => Promise<ReconcileResult | void>, workers = 2): Harness {
  const registry = new Registry();
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const calls: Harness['calls'] = [];
  const wrapped: Reconciler = (key) => {
    calls.push({ key, at: Date.now() });
    return reconcile(key, calls.length);
  };
  const controller = new Controller({
    name: 'things',
    reconcile: wrapped,
    workers,
    logger,
    metrics: createMetrics(registry).controller,
    backoff: new ExponentialBackoff({ baseMs: 100, maxMs: 10_000 }),
  });
  return { controller, registry, calls, lines };
}

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
}

describe('Controller', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates every metric label set at zero on construction', async () => {
    const { registry } = harness(() => Promise.resolve());
    const text = await registry.metrics();
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      expect(text).toContain(`controller_runtime_reconcile_total{controller="things",result="${result}"} 0`);
    }
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="things"} 0');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="things"} 0');
    expect(text).toContain('controller_runtime_active_workers{controller="things"} 0');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="things"} 2');
    for (const name of ['workqueue_depth', 'workqueue_adds_total', 'workqueue_retries_total']) expect(text).toContain(`${name}{name="things"} 0`);
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="things"} 0');
    expect(text).toContain('workqueue_work_duration_seconds_count{name="things"} 0');
  });

  it('does not retry a TerminalError', async () => {
    const { controller, registry, calls } = harness(() => Promise.reject(new TerminalError('spec is invalid')));
    void controller.run();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(await counter(registry, 'controller_runtime_reconcile_errors_total', {})).toBe(1);
    expect(await counter(registry, 'controller_runtime_terminal_reconcile_errors_total', {})).toBe(1);
    expect(await counter(registry, 'controller_runtime_reconcile_total', { result: 'error' })).toBe(1);
    await controller.stop();
  });

  it('retries a thrown error with per-key exponential backoff, and forgets it after a success', async () => {
    const { controller, registry, calls } = harness((_key, call) => (call <= 2 ? Promise.reject(new Error('API unavailable')) : Promise.resolve()));
    void controller.run();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.map((c) => c.at)).toEqual([0, 100, 300]);
    expect(controller.queue.numRequeues('ns/a')).toBe(0);
    expect(await counter(registry, 'controller_runtime_reconcile_total', { result: 'error' })).toBe(2);
    expect(await counter(registry, 'controller_runtime_reconcile_total', { result: 'success' })).toBe(1);
    expect(await counter(registry, 'workqueue_retries_total', {})).toBe(2);
    await controller.stop();
  });

  it('reconciles again after requeueAfterMs, and resets the backoff of earlier failures', async () => {
    const { controller, registry, calls } = harness((_key, call) =>
      call === 1 ? Promise.reject(new Error('flaky')) : Promise.resolve(call === 2 ? { requeueAfterMs: 1500 } : undefined),
    );
    void controller.run();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(100);
    expect(controller.queue.numRequeues('ns/a')).toBe(0);
    await vi.advanceTimersByTimeAsync(1499);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.at)).toEqual([0, 100, 1600]);
    expect(await counter(registry, 'controller_runtime_reconcile_total', { result: 'requeue_after' })).toBe(1);
    await controller.stop();
  });

  it('requeues a 409 Conflict quietly: no error count, no error log', async () => {
    const conflict = new ApiException(409, 'Conflict', JSON.stringify({ reason: 'Conflict' }), {});
    const { controller, registry, calls, lines } = harness((_key, call) => (call === 1 ? Promise.reject(new Error('writing status', { cause: conflict })) : Promise.resolve()));
    void controller.run();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    expect(await counter(registry, 'controller_runtime_reconcile_errors_total', {})).toBe(0);
    expect(await counter(registry, 'controller_runtime_reconcile_total', { result: 'requeue' })).toBe(1);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    await controller.stop();
  });

  it('never reconciles the same key on two workers at once, and catches up on adds made meanwhile', async () => {
    let active = 0;
    let maxActive = 0;
    const { controller, calls } = harness(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      active -= 1;
    }, 4);
    void controller.run();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(10);
    controller.enqueue('ns/a');
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(5000);
    expect(maxActive).toBe(1);
    expect(calls.map((c) => c.at)).toEqual([0, 1000]);
    await controller.stop();
  });

  it('gives each reconcile a child logger naming the controller, object and a fresh reconcile id', async () => {
    const { controller, lines } = harness(() => Promise.reject(new Error('boom')));
    void controller.run();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(150);
    const failures = lines.filter((l) => l.msg === 'reconcile failed; retrying with backoff');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ controller: 'things', namespace: 'ns', name: 'a' });
    expect(failures[0]?.reconcileID).toEqual(expect.any(String));
    expect(failures[0]?.reconcileID).not.toBe(failures[1]?.reconcileID);
    await controller.stop();
  });

  it('stop() waits for in-flight reconciles and then takes no more keys', async () => {
    const pending: Array<() => void> = [];
    const { controller, calls } = harness(() => new Promise<void>((resolve) => pending.push(resolve)));
    const running = controller.run();
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    let stopped = false;
    void controller.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    pending[0]?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    pending[1]?.();
    await running;
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(true);
    controller.enqueue('ns/c');
    expect(calls).toHaveLength(2);
  });
});
