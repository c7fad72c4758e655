import { describe, expect, it } from 'vitest';
import { digestOf } from '../../test/support/digest.ts';
import { hasAccess, holdsAccess, loansOf } from './access.ts';
import { heirOf, migrateLegacyGrants, type NamespaceByName } from './grant-migration.ts';
import { memoryStore } from './memory-store.ts';

const code = digestOf('code');
const hex = code.slice('sha256:'.length);
const at = (iso: string): Date => new Date(iso);

/** org-a since before the grants; org-b created again after them; org-c gone. */
const namespaces: NamespaceByName = (name) =>
  ({
    'org-a': { uid: 'uid-a', createdAtMs: Date.parse('2026-01-01T00:00:00Z') },
    'org-b': { uid: 'uid-b2', createdAtMs: Date.parse('2026-03-01T00:00:00Z') },
  })[name];

describe('heirOf', () => {
  it.each([
    { name: 'org-a', written: '2026-02-01T00:00:00Z', want: 'uid-a' },
    { name: 'org-a', written: '2026-01-01T00:00:00.500Z', want: 'uid-a' },
    { name: 'org-b', written: '2026-02-01T00:00:00Z', want: undefined },
    { name: 'org-c', written: '2026-02-01T00:00:00Z', want: undefined },
  ])('gives a grant of $name written $written to $want', ({ name, written, want }) => {
    expect(heirOf(name, at(written), namespaces)).toBe(want);
  });
});

describe('migrateLegacyGrants', () => {
  it('moves the grants of namespaces that existed when they were written, drops the rest, and is idempotent', async () => {
    const store = memoryStore(() => at('2026-02-01T00:00:00Z'));
    const empty = Buffer.alloc(0);
    for (const key of [`access/org-a/${hex}`, `access/org-b/${hex}`, `access/org-c/${hex}`, `loan-index/plan-1/org-a/${hex}`, `loans/org-a/${hex}/plan-1`, `loan-index/plan-1/org-b/${hex}`, `loans/org-b/${hex}/plan-1`, 'access/junk']) {
      await store.put(key, empty, 0, '');
    }
    expect(await migrateLegacyGrants(store, namespaces)).toEqual({ moved: 2, deleted: 8 });
    expect(store.keys()).toEqual([`holdings/uid-a/${hex}`, `lent-index/plan-1/uid-a/${hex}`, `lent/uid-a/${hex}/plan-1`]);
    const uidOf = (name: string): string | undefined => namespaces(name)?.uid;
    expect(await holdsAccess(store, uidOf, 'org-a', code)).toBe(true);
    expect(await hasAccess(store, uidOf, 'org-b', code)).toBe(false);
    expect(await loansOf(store, 'plan-1')).toEqual([{ namespaceUid: 'uid-a', digest: code }]);
    expect(await migrateLegacyGrants(store, namespaces)).toEqual({ moved: 0, deleted: 0 });
    expect(store.keys()).toHaveLength(3);
  });
});
