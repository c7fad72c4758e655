import type { Logger } from '../runtime/logger.ts';
import type { WriteFence } from '../runtime/write-fence.ts';
import { migrateLegacyGrants } from '../storage/grant-migration.ts';
import type { FileSetServices } from './file-sets.ts';
import { fencedStore } from './gc.ts';
import type { Informers } from './informers.ts';
import { namespaceByName } from './namespaces.ts';

// The leader moves grants of the name-keyed layout to the uid-keyed one (storage/grant-migration.ts)
// before its controllers start: a Job checked against a grant not moved yet would fail Unauthorized.
// A store that cannot be reached must not hold up controllers that do not need it for long, so
// after a few failures they start anyway, and the migration keeps trying (each periodic collection
// tries again too).

/** Failed attempts after which the controllers start without waiting. */
const attemptsBeforeStarting = 5;

/** Resolves once the migration succeeded, or after a few failures (it then keeps trying in the background). */
export function migrateGrantsFirst(deps: { informers: Informers; fileSets: FileSetServices; fence: WriteFence; logger: Logger }): Promise<void> {
  const log = deps.logger.child({ component: 'grant-migration' });
  const store = fencedStore(deps.fileSets.store, deps.fence);
  return new Promise((resolve) => {
    const attempt = async (n: number): Promise<void> => {
      try {
        const report = await migrateLegacyGrants(store, namespaceByName(deps.informers.namespaces));
        if (report.deleted > 0) log.info(report, 'moved grants to the layout keyed by namespace uid');
        resolve();
      } catch (error) {
        log.error({ err: error, attempt: n }, 'could not move grants to the layout keyed by namespace uid; retrying');
        if (n >= attemptsBeforeStarting) resolve();
        setTimeout(() => void attempt(n + 1), Math.min(30_000, 1_000 * 2 ** n));
      }
    };
    void attempt(1);
  });
}
