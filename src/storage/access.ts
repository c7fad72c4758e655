// Which namespaces may read a file set. A digest alone is not a capability: a Job may pin a file set
// by digest only if its namespace was granted it. Two kinds of grant, both small objects in the
// store, which only the operator and the platform's CLI can write:
// - holdings, `access/<namespace>/<hex>`: the namespace made the file set (pushed it with the CLI,
//   or a run of its own committed it). They last as long as the file set.
// - loans, `loans/<namespace>/<hex>/<plan uid>`: a ComputePlan lends a file set one of its
//   namespaces holds (the plan's namespace its Algo's code; a task's namespace that task's output)
//   to the namespace of a task that reads it. A loan is derived from authorizations in force and is
//   withdrawn when they end: the plan records each loan under `loan-index/<plan uid>/` so it can
//   find and delete them when it finishes or is deleted, or when a Dataset withdraws its consent.
//   Keying loans by plan keeps them apart from holdings and from other plans' loans of the same
//   bytes: withdrawing one never takes away what a namespace holds or another plan lent.
import { digestHex } from './manifest.ts';
import type { BlobStore } from './object-store.ts';

/** Where the grant of `digest` to `namespace` lives. */
export function accessKey(namespace: string, digest: string): string {
  return `access/${namespace}/${digestHex(digest)}`;
}

/** The prefix of every grant, for garbage collection. */
export const accessPrefix = 'access/';

const loanPrefix = 'loans/';
const loanIndexPrefix = 'loan-index/';

const empty = Buffer.alloc(0);
const emptySha256Hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Records that `namespace` holds the file set `digest`; idempotent. */
export async function grantAccess(store: BlobStore, namespace: string, digest: string): Promise<void> {
  await store.put(accessKey(namespace, digest), empty, 0, emptySha256Hex);
}

/** Whether `namespace` holds the file set `digest` (made it), loans aside. */
export async function holdsAccess(store: BlobStore, namespace: string, digest: string): Promise<boolean> {
  return store.has(accessKey(namespace, digest));
}

/** Whether `namespace` may read the file set `digest`: it holds it, or a plan lends it. */
export async function hasAccess(store: BlobStore, namespace: string, digest: string): Promise<boolean> {
  if (await holdsAccess(store, namespace, digest)) return true;
  for await (const loan of store.list(`${loanPrefix}${namespace}/${digestHex(digest)}/`)) if (loan) return true;
  return false;
}

/** Removes a holding (a released intermediate output); a missing one is not an error. */
export async function revokeAccess(store: BlobStore, namespace: string, digest: string): Promise<void> {
  await store.delete([accessKey(namespace, digest)]);
}

/** One file set a plan lends to a namespace. */
export interface Loan {
  namespace: string;
  digest: string;
}

const loanKey = (planUid: string, loan: Loan): string => `${loanPrefix}${loan.namespace}/${digestHex(loan.digest)}/${planUid}`;
const loanIndexKey = (planUid: string, loan: Loan): string => `${loanIndexPrefix}${planUid}/${loan.namespace}/${digestHex(loan.digest)}`;

/** Lends `loan` on behalf of plan `planUid`; idempotent. The index goes first, so no loan is ever unrecorded. */
export async function lendAccess(store: BlobStore, planUid: string, loan: Loan): Promise<void> {
  await store.put(loanIndexKey(planUid, loan), empty, 0, emptySha256Hex);
  await store.put(loanKey(planUid, loan), empty, 0, emptySha256Hex);
}

/** Every loan plan `planUid` has recorded, as `namespace/sha256:…` keys. */
export async function loansOf(store: BlobStore, planUid: string): Promise<Loan[]> {
  const loans: Loan[] = [];
  const prefix = `${loanIndexPrefix}${planUid}/`;
  for await (const object of store.list(prefix)) {
    const [namespace = '', hex = ''] = object.key.slice(prefix.length).split('/');
    loans.push({ namespace, digest: `sha256:${hex}` });
  }
  return loans;
}

/** Withdraws loans of plan `planUid`: the loan first, then its record, so a crash leaves it findable. */
export async function withdrawLoans(store: BlobStore, planUid: string, loans: readonly Loan[]): Promise<void> {
  if (loans.length === 0) return;
  await store.delete(loans.map((loan) => loanKey(planUid, loan)));
  await store.delete(loans.map((loan) => loanIndexKey(planUid, loan)));
}
