// tessera_object_store_up: whether the object store answered the operator's last probe. The store
// is not probed at scrape time (a store that hangs would hang the scrape, and the operator-down
// alert would fire instead of the store's); a timer probes it and the gauge reports the last answer.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../runtime/logger.ts';
import type { BlobStore } from '../storage/object-store.ts';

/** How often the store is probed; the alert waits several probes before it fires. */
export const storeProbeIntervalMs = 15_000;

/** A key nothing writes: a HEAD of it is "no such object" from a store that is up. */
const probeKey = 'tessera-probe/up';

/** Probes the store every `intervalMs` (and at once) and reports it as tessera_object_store_up; returns a stop function. */
export function probeStore(deps: { registry: Registry; store: BlobStore; logger: Logger; intervalMs?: number }): () => void {
  const up = new Gauge({ name: 'tessera_object_store_up', help: 'Whether the object store answered the last probe (1) or not (0)', registers: [deps.registry] });
  const log = deps.logger.child({ component: 'store-probe' });
  let probing = false;
  let wasUp = true;
  const probe = async (): Promise<void> => {
    if (probing) return;
    probing = true;
    try {
      await deps.store.has(probeKey);
      up.set(1);
      if (!wasUp) log.info('the object store answers again');
      wasUp = true;
    } catch (error) {
      up.set(0);
      // Once per outage: the probe runs every few seconds and the gauge says the rest.
      if (wasUp) log.warn({ err: error }, 'the object store did not answer its probe');
      wasUp = false;
    } finally {
      probing = false;
    }
  };
  void probe();
  const timer = setInterval(() => void probe(), deps.intervalMs ?? storeProbeIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
