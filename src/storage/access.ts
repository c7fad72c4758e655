// Which namespaces may read a file set. A digest alone is not a capability: a Job may pin a file set
// by digest only if its namespace was granted it. Two kinds of grant, both small objects in the
// store, which only the operator and the platform's CLI can write:
// - holdings, `holdings/<namespace uid>/<hex>`: the namespace made the file set (pushed it with the
//   CLI, or a run of its own committed it). They last as long as the file set, or the namespace.
// - loans, `lent/<namespace uid>/<hex>/<plan uid>`: a ComputePlan lends a file set one of its
//   namespaces holds (the plan's namespace its Algo's code; a task's namespace that task's output)
//   to the namespace of a task that reads it. A loan is derived from authorizations in force and is
//   withdrawn when they end: the plan records each loan under `lent-index/<plan uid>/` so it can
//   find and delete them when it finishes or is deleted, or when a Dataset withdraws its consent.
//   Keying loans by plan keeps them apart from holdings and from other plans' loans of the same
//   bytes: withdrawing one never takes away what a namespace holds or another plan lent.
//
// Grants are keyed by the namespace's uid, never its name: a namespace deleted and created again
// under the same name is another organization's, and inherits nothing. Every function here takes
// the name and looks its uid up in the operator's cache of namespaces (`UidOf`); a namespace the
// cache does not know holds nothing, and cannot be granted anything. The prefixes are new (the
// name-keyed layout used `access/`, `loans/` and `loan-index/`, see grant-migration.ts) so a key
// can never be read as the other layout's: a namespace may be named like a uid.
import { digestHex } from './manifest.ts';
import type { BlobStore } from './object-store.ts';

/** A namespace's current uid, from the operator's cache; undefined when the cache does not know it. */
export type UidOf = (namespace: string) => string | undefined;

/** The prefix of every holding, for garbage collection. */
export const holdingPrefix = 'holdings/';
/** The prefix of every loan, for garbage collection. */
export const loanPrefix = 'lent/';
const loanIndexPrefix = 'lent-index/';

/** Where the holding of `digest` by the namespace with uid `namespaceUid` lives. */
export function holdingKey(namespaceUid: string, digest: string): string {
  return `${holdingPrefix}${namespaceUid}/${digestHex(digest)}`;
}

/** The namespace uid a holding or loan key names, or undefined for a key of neither kind. */
export function grantNamespaceUid(key: string): string | undefined {
  const prefix = key.startsWith(holdingPrefix) ? holdingPrefix : key.startsWith(loanPrefix) ? loanPrefix : undefined;
  if (!prefix) return undefined;
  const uid = key.slice(prefix.length).split('/')[0];
  return uid || undefined;
}

const empty = Buffer.alloc(0);
const emptySha256Hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Thrown when a grant is to be written for a namespace the operator's cache does not know (yet). */
export class UnknownNamespaceError extends Error {
  constructor(namespace: string) {
    super(`namespace ${namespace} is not in the operator's cache (yet): nothing can be granted to it`);
    this.name = 'UnknownNamespaceError';
  }
}

function uidFor(uidOf: UidOf, namespace: string): string {
  const uid = uidOf(namespace);
  if (uid === undefined) throw new UnknownNamespaceError(namespace);
  return uid;
}

/** Writes an empty object; idempotent. */
export async function putMarker(store: BlobStore, key: string): Promise<void> {
  await store.put(key, empty, 0, emptySha256Hex);
}

/** Records that `namespace` (as it is now) holds the file set `digest`; idempotent. */
export async function grantAccess(store: BlobStore, uidOf: UidOf, namespace: string, digest: string): Promise<void> {
  await putMarker(store, holdingKey(uidFor(uidOf, namespace), digest));
}

/** Whether `namespace` holds the file set `digest` (made it), loans aside. */
export async function holdsAccess(store: BlobStore, uidOf: UidOf, namespace: string, digest: string): Promise<boolean> {
  const uid = uidOf(namespace);
  return uid !== undefined && store.has(holdingKey(uid, digest));
}

/** Whether `namespace` may read the file set `digest`: it holds it, or a plan lends it. */
export async function hasAccess(store: BlobStore, uidOf: UidOf, namespace: string, digest: string): Promise<boolean> {
  const uid = uidOf(namespace);
  if (uid === undefined) return false;
  if (await store.has(holdingKey(uid, digest))) return true;
  for await (const loan of store.list(`${loanPrefix}${uid}/${digestHex(digest)}/`)) if (loan) return true;
  return false;
}

/** Removes a holding (a released intermediate output); a missing one is not an error. */
export async function revokeAccess(store: BlobStore, uidOf: UidOf, namespace: string, digest: string): Promise<void> {
  const uid = uidOf(namespace);
  if (uid !== undefined) await store.delete([holdingKey(uid, digest)]);
}

/** One file set a plan lends to a namespace, by name. */
export interface Loan {
  namespace: string;
  digest: string;
}

/** A loan as stored: to the namespace with uid `namespaceUid`. */
export interface StoredLoan {
  namespaceUid: string;
  digest: string;
}

/** The key of the loan of `loan` by plan `planUid`. */
export const loanKey = (planUid: string, loan: StoredLoan): string => `${loanPrefix}${loan.namespaceUid}/${digestHex(loan.digest)}/${planUid}`;
/** The key of the plan's record of `loan`. */
export const loanIndexKey = (planUid: string, loan: StoredLoan): string => `${loanIndexPrefix}${planUid}/${loan.namespaceUid}/${digestHex(loan.digest)}`;

/** The plan and loan a loan key names, or undefined. */
export function parseLoanKey(key: string): { planUid: string; loan: StoredLoan } | undefined {
  if (!key.startsWith(loanPrefix)) return undefined;
  const [namespaceUid = '', hex = '', planUid = ''] = key.slice(loanPrefix.length).split('/');
  return namespaceUid && hex && planUid ? { planUid, loan: { namespaceUid, digest: `sha256:${hex}` } } : undefined;
}

/** The stored form of `loan` to the namespace as it is now; throws UnknownNamespaceError for one the cache does not know. */
export function storedLoan(uidOf: UidOf, loan: Loan): StoredLoan {
  return { namespaceUid: uidFor(uidOf, loan.namespace), digest: loan.digest };
}

/** Records a loan already in stored form; idempotent. The index goes first, so no loan is ever unrecorded. */
export async function putLoan(store: BlobStore, planUid: string, loan: StoredLoan): Promise<void> {
  await putMarker(store, loanIndexKey(planUid, loan));
  await putMarker(store, loanKey(planUid, loan));
}

/** Lends `loan` on behalf of plan `planUid` to the namespace as it is now; idempotent. */
export async function lendAccess(store: BlobStore, uidOf: UidOf, planUid: string, loan: Loan): Promise<void> {
  await putLoan(store, planUid, storedLoan(uidOf, loan));
}

/** Every loan plan `planUid` has recorded. */
export async function loansOf(store: BlobStore, planUid: string): Promise<StoredLoan[]> {
  const loans: StoredLoan[] = [];
  const prefix = `${loanIndexPrefix}${planUid}/`;
  for await (const object of store.list(prefix)) {
    const [namespaceUid = '', hex = ''] = object.key.slice(prefix.length).split('/');
    loans.push({ namespaceUid, digest: `sha256:${hex}` });
  }
  return loans;
}

/** Withdraws loans of plan `planUid`: the loan first, then its record, so a crash leaves it findable. */
export async function withdrawLoans(store: BlobStore, planUid: string, loans: readonly StoredLoan[]): Promise<void> {
  if (loans.length === 0) return;
  await store.delete(loans.map((loan) => loanKey(planUid, loan)));
  await store.delete(loans.map((loan) => loanIndexKey(planUid, loan)));
}
