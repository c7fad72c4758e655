import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWorkMetrics } from '../../src/operator/work-metrics.ts';
import { systemClock } from '../../src/runtime/clock.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { createMetrics } from '../../src/runtime/metrics.ts';
import type { BlobStore } from '../../src/storage/object-store.ts';
import { serverMetrics } from '../../src/transfer/server/server.ts';
import { dashboardExpressions, ruleGroups, selectedMetrics } from '../support/monitoring-files.ts';

// The alerts and the dashboard must read metrics the operator exports: a renamed metric would
// otherwise leave an alert that can never fire and a panel that is always empty.

/** Every metric the operator registers, as run.ts and the transfer server register them. */
function operatorRegistry(): { names: Set<string>; stop: () => void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  createMetrics(registry);
  serverMetrics(registry);
  const store = { has: () => Promise.resolve(false) } as unknown as BlobStore;
  const stop = registerWorkMetrics({
    registry,
    informers: { jobs: { list: () => [], onChange: () => undefined }, plans: { list: () => [] }, algos: { get: () => undefined } },
    store,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
  });
  // `up` is Prometheus's own, for every target.
  return { names: new Set([...registry.getMetricsAsArray().map((m) => m.name), 'up']), stop };
}

const { names, stop } = operatorRegistry();
afterAll(stop);

describe('the monitoring files', () => {
  it('alert only on metrics the operator exports', () => {
    const rules = ruleGroups().groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(['TesseraOperatorDown', 'TesseraWorkQueueBackingUp', 'TesseraReconcileErrors', 'TesseraRunsStuckPending', 'TesseraObjectStoreUnreachable']);
    for (const rule of rules) {
      const metrics = selectedMetrics(rule.expr);
      expect(metrics.length, rule.alert).toBeGreaterThan(0);
      expect(metrics.filter((m) => !names.has(m)), rule.alert).toEqual([]);
    }
  });

  it('chart only metrics the operator exports, domain metrics included', () => {
    const used = dashboardExpressions().flatMap(selectedMetrics);
    expect(used.filter((m) => !names.has(m))).toEqual([]);
    for (const metric of ['tessera_jobs', 'tessera_plan_tasks', 'tessera_job_cpu_seconds_total', 'tessera_job_gpu_seconds_total', 'tessera_job_queue_wait_seconds', 'tessera_transfer_bytes_total', 'tessera_object_store_up']) {
      expect(used).toContain(metric);
    }
  });

  it('would catch a metric the operator does not export', () => {
    expect(selectedMetrics('rate(tessera_no_such_thing_total{job="tessera-operator"}[5m])').filter((m) => !names.has(m))).toEqual(['tessera_no_such_thing_total']);
  });
});
