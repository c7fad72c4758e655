import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { trimNamespace } from './cache-trim.ts';
import { liveUids, namespaceByName, uidLookup } from './namespaces.ts';

const namespace = (name: string, uid: string, creationTimestamp = '2026-01-01T00:00:00Z'): k8s.V1Namespace =>
  trimNamespace({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid, creationTimestamp: creationTimestamp as unknown as Date, labels: { team: 'x' }, annotations: { big: 'y'.repeat(1000) } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });

function cacheOf(namespaces: k8s.V1Namespace[]): { get(ns: string, name: string): k8s.V1Namespace | undefined; list(): k8s.V1Namespace[] } {
  return { get: (_ns, name) => namespaces.find((n) => n.metadata?.name === name), list: () => namespaces };
}

describe('the namespace cache', () => {
  it('keeps only the name, uid and creation and deletion times of a namespace', () => {
    const trimmed = namespace('org-a', 'uid-a');
    expect(trimmed.spec).toBeUndefined();
    expect(trimmed.status).toBeUndefined();
    expect(Object.entries(trimmed.metadata ?? {}).filter(([, v]) => v !== undefined)).toEqual([
      ['name', 'org-a'],
      ['uid', 'uid-a'],
      ['creationTimestamp', '2026-01-01T00:00:00Z'],
    ]);
  });

  it('answers uids by name, creation times for legacy grants, and which uids exist; an unknown name has none', () => {
    const cache = cacheOf([namespace('org-a', 'uid-a'), namespace('org-b', 'uid-b', '2026-02-01T00:00:00Z')]);
    expect(uidLookup(cache)('org-a')).toBe('uid-a');
    expect(uidLookup(cache)('org-c')).toBeUndefined();
    expect(namespaceByName(cache)('org-b')).toEqual({ uid: 'uid-b', createdAtMs: Date.parse('2026-02-01T00:00:00Z') });
    expect(namespaceByName(cache)('org-c')).toBeUndefined();
    const live = liveUids(cache);
    expect([live('uid-a'), live('uid-b'), live('uid-old-b')]).toEqual([true, true, false]);
  });
});
