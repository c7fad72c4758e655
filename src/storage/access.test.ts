import { describe, expect, it } from 'vitest';
import { digestOf } from '../../test/support/digest.ts';
import { grantAccess, hasAccess, holdsAccess, lendAccess, loansOf, UnknownNamespaceError, withdrawLoans, type UidOf } from './access.ts';
import { memoryStore } from './memory-store.ts';

const code = digestOf('code');
const hex = code.slice('sha256:'.length);

/** Namespaces as the operator's cache has them: name → uid. */
function cluster(namespaces: Record<string, string>): UidOf {
  return (name) => namespaces[name];
}

const uids = cluster({ 'org-a': 'uid-a', 'org-b': 'uid-b', 'org-c': 'uid-c' });

describe('grants: holdings and loans', () => {
  it('lets a namespace read what it holds, and what a plan lends it, without the loan becoming a holding', async () => {
    const store = memoryStore();
    await grantAccess(store, uids, 'org-a', code);
    await lendAccess(store, uids, 'plan-1', { namespace: 'org-b', digest: code });
    expect(await hasAccess(store, uids, 'org-a', code)).toBe(true);
    expect(await hasAccess(store, uids, 'org-b', code)).toBe(true);
    expect(await holdsAccess(store, uids, 'org-b', code)).toBe(false);
    expect(await hasAccess(store, uids, 'org-c', code)).toBe(false);
    expect(await loansOf(store, 'plan-1')).toEqual([{ namespaceUid: 'uid-b', digest: code }]);
  });

  it("withdraws one plan's loan, leaving the holding and another plan's loan of the same bytes", async () => {
    const store = memoryStore();
    await grantAccess(store, uids, 'org-b', code);
    await lendAccess(store, uids, 'plan-1', { namespace: 'org-b', digest: code });
    await lendAccess(store, uids, 'plan-2', { namespace: 'org-c', digest: code });
    await lendAccess(store, uids, 'plan-1', { namespace: 'org-c', digest: code });
    await withdrawLoans(store, 'plan-1', await loansOf(store, 'plan-1'));
    expect(store.keys()).toEqual([`holdings/uid-b/${hex}`, `lent-index/plan-2/uid-c/${hex}`, `lent/uid-c/${hex}/plan-2`]);
    expect(await hasAccess(store, uids, 'org-b', code)).toBe(true);
    expect(await hasAccess(store, uids, 'org-c', code)).toBe(true);
    await withdrawLoans(store, 'plan-2', await loansOf(store, 'plan-2'));
    expect(await hasAccess(store, uids, 'org-c', code)).toBe(false);
  });

  it('is idempotent: lending twice records one loan, withdrawing twice is no error', async () => {
    const store = memoryStore();
    await lendAccess(store, uids, 'plan-1', { namespace: 'org-b', digest: code });
    await lendAccess(store, uids, 'plan-1', { namespace: 'org-b', digest: code });
    expect(await loansOf(store, 'plan-1')).toHaveLength(1);
    await withdrawLoans(store, 'plan-1', [{ namespaceUid: 'uid-b', digest: code }]);
    await withdrawLoans(store, 'plan-1', [{ namespaceUid: 'uid-b', digest: code }]);
    expect(store.keys()).toEqual([]);
  });

  it('gives a namespace created again under the same name nothing the old one held or borrowed', async () => {
    const store = memoryStore();
    await grantAccess(store, uids, 'org-b', code);
    await lendAccess(store, uids, 'plan-1', { namespace: 'org-b', digest: code });
    const recreated = cluster({ 'org-a': 'uid-a', 'org-b': 'uid-b2', 'org-c': 'uid-c' });
    expect(await holdsAccess(store, recreated, 'org-b', code)).toBe(false);
    expect(await hasAccess(store, recreated, 'org-b', code)).toBe(false);
  });

  it('knows no grant of a namespace the cache does not know, and grants it nothing', async () => {
    const store = memoryStore();
    await grantAccess(store, uids, 'org-b', code);
    const gone = cluster({});
    expect(await hasAccess(store, gone, 'org-b', code)).toBe(false);
    await expect(grantAccess(store, gone, 'org-b', code)).rejects.toThrow(UnknownNamespaceError);
    await expect(lendAccess(store, gone, 'plan-1', { namespace: 'org-b', digest: code })).rejects.toThrow(UnknownNamespaceError);
    expect(store.keys()).toEqual([`holdings/uid-b/${hex}`]);
  });
});
