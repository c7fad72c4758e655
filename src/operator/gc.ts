import { Counter, type Registry } from 'prom-client';
import { liveManifests } from '../controllers/shared/live-file-sets.ts';
import type { Logger } from '../runtime/logger.ts';
import { assertMayWrite, type WriteFence } from '../runtime/write-fence.ts';
import { collectExpiredLeases, collectGarbage, collectOrphanGrants, collectStaging, type GcResult } from '../storage/gc.ts';
import { migrateLegacyGrants } from '../storage/grant-migration.ts';
import type { BlobStore } from '../storage/object-store.ts';
import type { FileSetServices } from './file-sets.ts';
import type { Informers } from './informers.ts';
import { liveUids, namespaceByName } from './namespaces.ts';

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

/** What one collection needs. */
export interface GcDeps {
  informers: Informers;
  fileSets: FileSetServices;
  fence: WriteFence;
}

/** What one collection did (or, on a dry run, would do). */
export type GcReport = GcResult & { liveManifests: number; migratedGrants: number; deletedGrants: number; deletedStaging: number; deletedLeases: number; dryRun: boolean };

/**
 * One collection from the caches, every deletion behind the fence. Throws when the caches are not
 * synced: a partial list of what is in use would make live data look like garbage.
 */
export async function collectOnce(deps: GcDeps, opts: { graceMs: number; dryRun?: boolean; now?: Date }): Promise<GcReport> {
  const { informers } = deps;
  if (![informers.datasets, informers.algos, informers.jobs, informers.predictors, informers.namespaces].every((i) => i.hasSynced())) throw new Error('the caches are not synced yet');
  const store = fencedStore(deps.fileSets.store, deps.fence);
  const policy = { now: opts.now ?? new Date(), graceMs: opts.graceMs };
  const dryRun = opts.dryRun === true;
  // Read from the caches again before every deletion batch: what was recorded mid-sweep counts.
  const live = (): string[] => liveManifests({ datasets: informers.datasets.list(), algos: informers.algos.list(), jobs: informers.jobs.list(), predictors: informers.predictors.list() });
  // Grants an old replica wrote by name during an upgrade move first (grant-migration.ts).
  const migratedGrants = dryRun ? 0 : (await migrateLegacyGrants(store, namespaceByName(informers.namespaces))).moved;
  const result = await collectGarbage({ store, liveManifests: live, ...policy, dryRun });
  const deletedGrants = dryRun ? 0 : await collectOrphanGrants(store, policy, liveUids(informers.namespaces));
  const deletedStaging = dryRun ? 0 : await collectStaging(store, policy);
  const deletedLeases = dryRun ? 0 : await collectExpiredLeases(store, policy);
  return { ...result, liveManifests: live().length, migratedGrants, deletedGrants, deletedStaging, deletedLeases, dryRun };
}

/** Starts collecting every intervalMs; returns a stop function. */
export function startGarbageCollection(schedule: GcSchedule, deps: GcDeps & { registry: Registry; logger: Logger }): () => void {
  const log = deps.logger.child({ component: 'gc' });
  const registers = [deps.registry];
  const deleted = new Counter({ name: 'tessera_gc_deleted_objects_total', help: 'Objects garbage collection deleted from the store', labelNames: ['kind'], registers });
  const freed = new Counter({ name: 'tessera_gc_freed_bytes_total', help: 'Bytes of blobs garbage collection freed', registers });
  for (const kind of ['blob', 'manifest', 'grant']) deleted.inc({ kind }, 0);
  let running = false;
  const collect = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const report = await collectOnce(deps, { graceMs: schedule.graceMs });
      deleted.inc({ kind: 'blob' }, report.deletedBlobs);
      deleted.inc({ kind: 'manifest' }, report.deletedManifests);
      deleted.inc({ kind: 'grant' }, report.deletedGrants);
      freed.inc(report.freedBytes);
      // A digest in use with no manifest is the owner's problem (its status says NotFound), not GC's.
      log.info(report, 'collected garbage');
    } catch (error) {
      log.error({ err: error }, 'garbage collection failed; nothing further deleted, will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void collect(), schedule.intervalMs);
  return () => clearInterval(timer);
}
