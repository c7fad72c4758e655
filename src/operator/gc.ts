import { Counter, type Registry } from 'prom-client';
import { liveManifests } from '../controllers/gc/live.ts';
import type { Logger } from '../runtime/logger.ts';
import { collectGarbage, collectOrphanGrants, collectStaging } from '../storage/gc.ts';
import type { FileSetServices } from './file-sets.ts';
import type { Informers } from './informers.ts';

// Periodic garbage collection of the object store, on the leader only and only with every cache
// synced: what the caches hold is the complete list of file sets in use, and a partial list would
// make live data look like garbage.

/** How often and how carefully to collect. */
export interface GcSchedule {
  intervalMs: number;
  /** Objects younger than this are never collected (pushes in flight). */
  graceMs: number;
}

/** Starts collecting every intervalMs; returns a stop function. */
export function startGarbageCollection(schedule: GcSchedule, deps: { informers: Informers; fileSets: FileSetServices; registry: Registry; logger: Logger }): () => void {
  const log = deps.logger.child({ component: 'gc' });
  const registers = [deps.registry];
  const deleted = new Counter({ name: 'tessera_gc_deleted_objects_total', help: 'Objects garbage collection deleted from the store', labelNames: ['kind'], registers });
  const freed = new Counter({ name: 'tessera_gc_freed_bytes_total', help: 'Bytes of blobs garbage collection freed', registers });
  for (const kind of ['blob', 'manifest', 'grant']) deleted.inc({ kind }, 0);
  let running = false;
  const collect = async (): Promise<void> => {
    const { informers, fileSets } = deps;
    const synced = [informers.datasets, informers.algos, informers.jobs].every((i) => i.hasSynced());
    if (running || !synced) return;
    running = true;
    try {
      const now = new Date();
      const live = liveManifests({ datasets: informers.datasets.list(), algos: informers.algos.list(), jobs: informers.jobs.list() });
      const result = await collectGarbage({ store: fileSets.store, liveManifests: live, now, graceMs: schedule.graceMs });
      const grants = await collectOrphanGrants(fileSets.store, { now, graceMs: schedule.graceMs });
      const staging = await collectStaging(fileSets.store, { now, graceMs: schedule.graceMs });
      deleted.inc({ kind: 'blob' }, result.deletedBlobs);
      deleted.inc({ kind: 'manifest' }, result.deletedManifests);
      deleted.inc({ kind: 'grant' }, grants);
      freed.inc(result.freedBytes);
      log.info({ ...result, deletedGrants: grants, deletedStaging: staging, liveManifests: live.length }, 'collected garbage');
    } catch (error) {
      log.error({ err: error }, 'garbage collection failed; nothing further deleted, will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void collect(), schedule.intervalMs);
  return () => clearInterval(timer);
}
