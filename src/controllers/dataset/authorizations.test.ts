import { describe, expect, it } from 'vitest';
import type { Dataset, DatasetStatus } from '../../api/dataset.ts';
import { authorizationEvent, recordAuthorizations, withAuthorizations } from './authorizations.ts';

const now = new Date('2026-01-02T00:00:00Z');

function dataset(names: { compute?: string[]; read?: string[] }, authorizations?: Array<{ namespace: string; uid: string }>): Dataset {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'd', namespace: 'org-a', generation: 1 },
    spec: { source: { fileSet: { digest: `sha256:${'a'.repeat(64)}` } }, permissions: { authorizedNamespaces: names.compute, read: names.read && { authorizedNamespaces: names.read } } },
    ...(authorizations ? { status: { authorizations } } : {}),
  };
}

const cluster = (uids: Record<string, string>) => (name: string): string | undefined => uids[name];

describe('recordAuthorizations', () => {
  it('records each named namespace that exists at its current uid, once, never its own namespace', () => {
    const d = dataset({ compute: ['org-b', 'org-a', 'org-c'], read: ['org-b'] });
    expect(recordAuthorizations(d, cluster({ 'org-a': 'ua', 'org-b': 'ub' }))).toEqual({ authorizations: [{ namespace: 'org-b', uid: 'ub' }], recreated: [] });
  });

  it('keeps a record while the name is listed, whether the namespace is gone or created again, and reports the latter', () => {
    const d = dataset({ compute: ['org-b', 'org-c'] }, [{ namespace: 'org-b', uid: 'ub' }, { namespace: 'org-c', uid: 'uc' }]);
    expect(recordAuthorizations(d, cluster({ 'org-b': 'ub2' }))).toEqual({
      authorizations: [{ namespace: 'org-b', uid: 'ub' }, { namespace: 'org-c', uid: 'uc' }],
      recreated: [{ namespace: 'org-b', recordedUid: 'ub', currentUid: 'ub2' }],
    });
  });

  it('drops the record of a name no longer listed, so adding it back records the namespace of that moment', () => {
    const removed = dataset({ compute: [] }, [{ namespace: 'org-b', uid: 'ub' }]);
    expect(recordAuthorizations(removed, cluster({ 'org-b': 'ub2' })).authorizations).toEqual([]);
    const readded = dataset({ compute: ['org-b'] });
    expect(recordAuthorizations(readded, cluster({ 'org-b': 'ub2' })).authorizations).toEqual([{ namespace: 'org-b', uid: 'ub2' }]);
  });
});

describe('withAuthorizations', () => {
  it('says AuthorizationsCurrent False naming the namespace created again and how to re-authorize it, with one Warning event', () => {
    const d = dataset({ compute: ['org-b'] }, [{ namespace: 'org-b', uid: 'ub' }]);
    const status = withAuthorizations(d.status ?? {}, d, cluster({ 'org-b': 'ub2' }), now);
    const condition = status.conditions?.find((c) => c.type === 'AuthorizationsCurrent');
    expect(condition).toMatchObject({ status: 'False', reason: 'NamespaceRecreated' });
    expect(condition?.message).toContain('namespace org-b (authorized uid ub, now ub2) was deleted and created again');
    expect(condition?.message).toContain('remove org-b from spec.permissions, wait until status.authorizations no longer lists it, then add it back');
    expect(authorizationEvent(d.status, status)).toMatchObject({ type: 'Warning', reason: 'NamespaceRecreated' });
    expect(authorizationEvent(status, withAuthorizations(status, { ...d, status }, cluster({ 'org-b': 'ub2' }), now))).toBeUndefined();
  });

  it('turns True once the name is gone from the permissions, and writes nothing for a Dataset that names no one', () => {
    const before: DatasetStatus = withAuthorizations({ authorizations: [{ namespace: 'org-b', uid: 'ub' }] }, dataset({ compute: ['org-b'] }, [{ namespace: 'org-b', uid: 'ub' }]), cluster({ 'org-b': 'ub2' }), now);
    const after = withAuthorizations(before, dataset({ compute: [] }, before.authorizations), cluster({ 'org-b': 'ub2' }), now);
    expect(after.authorizations).toBeUndefined();
    expect(after.conditions?.find((c) => c.type === 'AuthorizationsCurrent')).toMatchObject({ status: 'True' });
    expect(authorizationEvent(before, after)).toMatchObject({ type: 'Normal' });
    expect(withAuthorizations({}, dataset({}), cluster({}), now)).toEqual({});
  });
});
