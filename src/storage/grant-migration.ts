// Grants written before they were keyed by namespace uid (`access/<name>/<hex>`, `loans/<name>/…`,
// `loan-index/<plan uid>/<name>/<hex>`) move to the uid-keyed layout (access.ts), or go. The rule:
// a legacy grant goes to the namespace that has its name now only if that namespace already existed
// when the grant was written (created no later than the grant's LastModified, the store's clock);
// otherwise it was written for an earlier namespace of that name, or for one that is gone, and is
// deleted. A grant is re-written under its uid before its legacy key is deleted, and a key already
// moved is written again harmlessly, so the migration is idempotent and a crash loses nothing. It
// runs on the leader when it starts (before its controllers) and before every periodic collection,
// so grants an old replica writes during a rolling upgrade move too. Unknown keys under the legacy
// prefixes are deleted: nothing reads them any more.
import { holdingKey, putLoan, putMarker, type StoredLoan } from './access.ts';
import type { BlobStore, StoredObject } from './object-store.ts';

/** What the migration needs to know of a namespace that exists now. */
export interface NamespaceNow {
  uid: string;
  /** Its creationTimestamp, in milliseconds since the epoch. */
  createdAtMs: number;
}

/** The namespaces of the cluster, by name, from the operator's cache. */
export type NamespaceByName = (name: string) => NamespaceNow | undefined;

export const legacyAccessPrefix = 'access/';
export const legacyLoanPrefix = 'loans/';
export const legacyLoanIndexPrefix = 'loan-index/';

/** creationTimestamp has whole seconds: a grant written in the second its namespace was created is its. */
const creationPrecisionMs = 1000;

/** The uid a legacy grant of `name` written at `writtenAt` moves to, or undefined when it must go. Pure. */
export function heirOf(name: string, writtenAt: Date, namespaces: NamespaceByName): string | undefined {
  const now = namespaces(name);
  if (!now) return undefined;
  return now.createdAtMs <= writtenAt.getTime() + creationPrecisionMs ? now.uid : undefined;
}

/** What a legacy holding key names, or undefined. Pure. */
export function parseLegacyHolding(key: string): { namespace: string; digest: string } | undefined {
  const [namespace = '', hex = '', ...rest] = key.slice(legacyAccessPrefix.length).split('/');
  return key.startsWith(legacyAccessPrefix) && namespace && /^[a-f0-9]{64}$/.test(hex) && rest.length === 0 ? { namespace, digest: `sha256:${hex}` } : undefined;
}

/** What a legacy loan index key names, or undefined. Pure. */
export function parseLegacyLoanIndex(key: string): { planUid: string; namespace: string; digest: string } | undefined {
  const [planUid = '', namespace = '', hex = '', ...rest] = key.slice(legacyLoanIndexPrefix.length).split('/');
  return key.startsWith(legacyLoanIndexPrefix) && planUid && namespace && /^[a-f0-9]{64}$/.test(hex) && rest.length === 0 ? { planUid, namespace, digest: `sha256:${hex}` } : undefined;
}

/** What one migration did. */
export interface MigrationReport {
  /** Legacy grants (holdings and loans) re-written under their namespace's uid. */
  moved: number;
  /** Legacy keys deleted: every one seen, moved or not. */
  deleted: number;
}

const batchSize = 1_000;

/** Moves what `heir` says, a batch at a time, then deletes the batch's legacy keys. */
async function migratePrefix(store: BlobStore, prefix: string, move: (object: StoredObject) => Promise<boolean>): Promise<MigrationReport> {
  const report: MigrationReport = { moved: 0, deleted: 0 };
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    await store.delete(batch);
    report.deleted += batch.length;
    batch = [];
  };
  for await (const object of store.list(prefix)) {
    if (await move(object)) report.moved += 1;
    batch.push(object.key);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}

/**
 * Moves every legacy grant to the uid-keyed layout or deletes it (see the rule above). Loans are
 * moved through their plan's index (which names the plan); a legacy loan is then deleted whether
 * its index was found or not. Cheap when there is nothing to move: three empty listings.
 */
export async function migrateLegacyGrants(store: BlobStore, namespaces: NamespaceByName): Promise<MigrationReport> {
  const holdings = await migratePrefix(store, legacyAccessPrefix, async (object) => {
    const holding = parseLegacyHolding(object.key);
    const uid = holding && heirOf(holding.namespace, object.lastModified, namespaces);
    if (!holding || uid === undefined) return false;
    await putMarker(store, holdingKey(uid, holding.digest));
    return true;
  });
  const loans = await migratePrefix(store, legacyLoanIndexPrefix, async (object) => {
    const indexed = parseLegacyLoanIndex(object.key);
    const uid = indexed && heirOf(indexed.namespace, object.lastModified, namespaces);
    if (!indexed || uid === undefined) return false;
    const loan: StoredLoan = { namespaceUid: uid, digest: indexed.digest };
    await putLoan(store, indexed.planUid, loan);
    return true;
  });
  const stray = await migratePrefix(store, legacyLoanPrefix, () => Promise.resolve(false));
  return { moved: holdings.moved + loans.moved, deleted: holdings.deleted + loans.deleted + stray.deleted };
}
