import { Counter, type Registry } from 'prom-client';
import { liveManifests } from '../controllers/gc/live.ts';
import type { Logger } from '../runtime/logger.ts';
import { assertMayWrite, type WriteFence } from '../runtime/write-fence.ts';
import { collectExpiredLeases, collectGarbage, collectOrphanGrants, collectStaging } from '../storage/gc.ts';
import type { BlobStore } from '../storage/object-store.ts';
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

/** How many keys one fenced deletion covers: the S3 DeleteObjects batch. */
const fencedBatch = 1_000;

/** The store, with every deletion checked against the fence first, batch by batch. */
export function fencedStore(store: BlobStore, fence: WriteFence): BlobStore {
  const fenced: BlobStore = Object.create(store) as BlobStore;
  fenced.delete = async (keys) => {
    for (let start = 0; start < keys.length; start += fencedBatch) {
      assertMayWrite(fence, 'deleting garbage from the object store');
      await store.delete(keys.slice(start, start + fencedBatch));
    }
  };
  return fenced;
}

/** Starts collecting every intervalMs; returns a stop function. */
export function startGarbageCollection(
  schedule: GcSchedule,
  deps: { informers: Informers; fileSets: FileSetServices; registry: Registry; logger: Logger; fence: WriteFence },
): () => void {
  const log = deps.logger.child({ component: 'gc' });
  const registers = [deps.registry];
  const deleted = new Counter({ name: 'tessera_gc_deleted_objects_total', help: 'Objects garbage collection deleted from the store', labelNames: ['kind'], registers });
  const freed = new Counter({ name: 'tessera_gc_freed_bytes_total', help: 'Bytes of blobs garbage collection freed', registers });
  for (const kind of ['blob', 'manifest', 'grant']) deleted.inc({ kind }, 0);
  let running = false;
  const collect = async (): Promise<void> => {
    const { informers } = deps;
    const store = fencedStore(deps.fileSets.store, deps.fence);
    const synced = [informers.datasets, informers.algos, informers.jobs].every((i) => i.hasSynced());
    if (running || !synced) return;
    running = true;
    try {
      const now = new Date();
      // Read from the caches again before every deletion batch: what was recorded mid-sweep counts.
      const live = (): string[] => liveManifests({ datasets: informers.datasets.list(), algos: informers.algos.list(), jobs: informers.jobs.list() });
      const result = await collectGarbage({ store, liveManifests: live, now, graceMs: schedule.graceMs });
      const grants = await collectOrphanGrants(store, { now, graceMs: schedule.graceMs });
      const staging = await collectStaging(store, { now, graceMs: schedule.graceMs });
      const leases = await collectExpiredLeases(store, { now, graceMs: schedule.graceMs });
      deleted.inc({ kind: 'blob' }, result.deletedBlobs);
      deleted.inc({ kind: 'manifest' }, result.deletedManifests);
      deleted.inc({ kind: 'grant' }, grants);
      freed.inc(result.freedBytes);
      // A digest in use with no manifest is the owner's problem (its status says NotFound), not GC's.
      log.info({ ...result, deletedGrants: grants, deletedStaging: staging, deletedLeases: leases }, 'collected garbage');
    } catch (error) {
      log.error({ err: error }, 'garbage collection failed; nothing further deleted, will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void collect(), schedule.intervalMs);
  return () => clearInterval(timer);
}
