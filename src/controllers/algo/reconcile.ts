import type { Algo, AlgoStatus } from '../../api/algo.ts';
import { algoSpecSchema } from '../../api/algo.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import { jsonEqual } from '../../runtime/apply.ts';
import { holdsAccess, type UidOf } from '../../storage/access.ts';
import { manifestKey } from '../../storage/manifest.ts';
import type { ManifestCache } from '../../storage/manifest-cache.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import { isConditionTrue } from '../shared/conditions.ts';
import { firstUnusableFileSet } from '../shared/fileset-check.ts';
import { conditionEvent, subjectOf } from '../shared/transition-events.ts';
import type { ObjectCache } from '../shared/object-cache.ts';
import { algoStatus, type CodeCheck } from './status.ts';
import { parseKey } from '../../runtime/object-key.ts';

/** What the Algo reconciler reads and writes. */
export interface AlgoReconcilerDeps {
  algos: ObjectCache<Algo>;
  /** A namespace's current uid: holdings are the namespace's as it is now, not its name's. */
  namespaceUid: UidOf;
  store?: BlobStore;
  /** Says whether the code file set can be pulled at all. */
  manifests?: Pick<ManifestCache, 'check'>;
  writeStatus(algo: Readonly<Algo>, status: AlgoStatus): Promise<void>;
  events?: Pick<EventRecorder, 'record'>;
  clock: Clock;
}

/** An Algo whose code is not there yet is looked at again after this long. */
const recheckMs = 30_000;

// The grant is checked before the manifest's contents, so a namespace learns nothing of a file set
// it was never given.
async function checkCode(algo: Readonly<Algo>, deps: AlgoReconcilerDeps): Promise<CodeCheck> {
  const digest = algo.spec.code?.digest;
  const { store, manifests } = deps;
  if (!digest) return 'none';
  // The grant first, and the same answer whether or not the code exists: a status must not tell a
  // namespace which digests the store holds. Held, not borrowed: a plan lends its code to a task's
  // namespace for its runs only, and an Algo there naming the loan must not become code it can lend on.
  if (!store || !(await holdsAccess(store, deps.namespaceUid, algo.metadata.namespace ?? '', digest))) return 'ungranted';
  if (!(await store.has(manifestKey(digest)))) return 'missing';
  const unusable = manifests && (await firstUnusableFileSet([digest], manifests));
  return unusable ? { unusable } : 'ok';
}

function specProblemOf(algo: Readonly<Algo>): string | undefined {
  const parsed = algoSpecSchema.safeParse(algo.spec);
  return parsed.success ? undefined : parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
}

async function writeIfChanged(algo: Readonly<Algo>, status: AlgoStatus, deps: AlgoReconcilerDeps, log: Logger): Promise<void> {
  if (algo.status && jsonEqual(algo.status, status)) return;
  await deps.writeStatus(algo, status);
  log.info({ ready: isConditionTrue(status.conditions, 'Ready') }, status.conditions?.[0]?.message ?? 'status written');
  // One event per change of Ready or Stalled (a Warning when it is a problem), never one per pass.
  const event = conditionEvent(algo.status?.conditions, status.conditions, { good: 'Ready', bad: 'Stalled' });
  if (event) deps.events?.record(subjectOf(algo), event);
}

/** Reconciles one Algo: validate, check its code file set, write Ready when it changed. */
export async function reconcileAlgo(key: string, log: Logger, deps: AlgoReconcilerDeps): Promise<ReconcileResult | void> {
  const { namespace, name } = parseKey(key);
  const algo = deps.algos.get(namespace, name);
  if (!algo || algo.metadata.deletionTimestamp) return;
  const specProblem = specProblemOf(algo);
  const check = specProblem ? 'none' : await checkCode(algo, deps);
  await writeIfChanged(algo, algoStatus(algo, check, specProblem, new Date(deps.clock.now())), deps, log);
  if (check === 'missing') return { requeueAfterMs: recheckMs };
}
