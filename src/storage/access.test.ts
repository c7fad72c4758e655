import { describe, expect, it } from 'vitest';
import { digestOf } from '../../test/support/digest.ts';
import { grantAccess, hasAccess, holdsAccess, lendAccess, loansOf, withdrawLoans } from './access.ts';
import { memoryStore } from './memory-store.ts';

const code = digestOf('code');
const hex = code.slice('sha256:'.length);

describe('grants: holdings and loans', () => {
  it('lets a namespace read what it holds, and what a plan lends it, without the loan becoming a holding', async () => {
    const store = memoryStore();
    await grantAccess(store, 'org-a', code);
    await lendAccess(store, 'plan-1', { namespace: 'org-b', digest: code });
    expect(await hasAccess(store, 'org-a', code)).toBe(true);
    expect(await hasAccess(store, 'org-b', code)).toBe(true);
    expect(await holdsAccess(store, 'org-b', code)).toBe(false);
    expect(await hasAccess(store, 'org-c', code)).toBe(false);
    expect(await loansOf(store, 'plan-1')).toEqual([{ namespace: 'org-b', digest: code }]);
  });

  it("withdraws one plan's loan, leaving the holding and another plan's loan of the same bytes", async () => {
    const store = memoryStore();
    await grantAccess(store, 'org-b', code);
    await lendAccess(store, 'plan-1', { namespace: 'org-b', digest: code });
    await lendAccess(store, 'plan-2', { namespace: 'org-c', digest: code });
    await lendAccess(store, 'plan-1', { namespace: 'org-c', digest: code });
    await withdrawLoans(store, 'plan-1', await loansOf(store, 'plan-1'));
    expect(store.keys()).toEqual([`access/org-b/${hex}`, `loan-index/plan-2/org-c/${hex}`, `loans/org-c/${hex}/plan-2`]);
    expect(await hasAccess(store, 'org-b', code)).toBe(true);
    expect(await hasAccess(store, 'org-c', code)).toBe(true);
    await withdrawLoans(store, 'plan-2', await loansOf(store, 'plan-2'));
    expect(await hasAccess(store, 'org-c', code)).toBe(false);
  });

  it('is idempotent: lending twice records one loan, withdrawing twice is no error', async () => {
    const store = memoryStore();
    await lendAccess(store, 'plan-1', { namespace: 'org-b', digest: code });
    await lendAccess(store, 'plan-1', { namespace: 'org-b', digest: code });
    expect(await loansOf(store, 'plan-1')).toHaveLength(1);
    await withdrawLoans(store, 'plan-1', [{ namespace: 'org-b', digest: code }]);
    await withdrawLoans(store, 'plan-1', [{ namespace: 'org-b', digest: code }]);
    expect(store.keys()).toEqual([]);
  });
});
