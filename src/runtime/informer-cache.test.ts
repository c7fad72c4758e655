import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { InformerCache, toWireJson } from './informer-cache.ts';

const obj = (namespace: string, name: string, rv = '1'): KubernetesObject => ({ metadata: { namespace, name, resourceVersion: rv } });

describe('InformerCache', () => {
  it('indexes by namespace and name', () => {
    const store = new InformerCache();
    store.upsert(obj('a', 'x'));
    store.upsert(obj('b', 'x'));
    store.upsert(obj('b', 'y'));
    expect(store.get('b', 'x')?.metadata?.namespace).toBe('b');
    expect(store.list('b').map((o) => o.metadata?.name)).toEqual(['x', 'y']);
    expect(store.list()).toHaveLength(3);
    expect(store.list('missing')).toEqual([]);
  });

  it('caches what its trim keeps, in wire form and frozen, on upserts and lists alike', () => {
    type Pod = KubernetesObject & { spec?: { nodeName?: string; containers?: unknown[] }; status?: { startTime?: unknown } };
    const store = new InformerCache<Pod>((pod) => ({ metadata: pod.metadata, spec: { nodeName: pod.spec?.nodeName } }));
    const pod = (name: string): Pod => ({ metadata: { namespace: 'a', name }, spec: { nodeName: 'n1', containers: [{ name: 'main' }] } });
    store.upsert(pod('x'));
    store.replace([pod('x'), { ...pod('y'), status: { startTime: new Date('2026-01-01T00:00:00Z') } }]);
    expect(store.list('a').map((p) => p.spec)).toEqual([{ nodeName: 'n1' }, { nodeName: 'n1' }]);
    expect(Object.isFrozen(store.get('a', 'y')?.spec)).toBe(true);
  });

  it('reports add for a new object and update for a known one', () => {
    const store = new InformerCache();
    expect(store.upsert(obj('a', 'x')).kind).toBe('add');
    expect(store.upsert(obj('a', 'x', '2')).kind).toBe('update');
  });

  it('hands out deeply frozen objects, so a mutating reader fails loudly instead of corrupting the cache', () => {
    const store = new InformerCache();
    store.upsert({ metadata: { namespace: 'a', name: 'x', labels: { k: 'v' } } });
    const cached = store.get('a', 'x') as KubernetesObject;
    expect(() => {
      (cached.metadata as { labels: Record<string, string> }).labels.k = 'changed';
    }).toThrow(TypeError);
  });

  it('on replace, updates survivors, adds newcomers and deletes what vanished', () => {
    const store = new InformerCache();
    store.replace([obj('a', 'stays'), obj('a', 'goes'), obj('b', 'goes-too')]);
    const changes = store.replace([obj('a', 'stays', '2'), obj('a', 'new')]);
    expect(changes.map((c) => [c.kind, c.obj.metadata?.name])).toEqual([
      ['update', 'stays'],
      ['add', 'new'],
      ['delete', 'goes'],
      ['delete', 'goes-too'],
    ]);
    expect(store.size()).toBe(2);
    expect(store.list('b')).toEqual([]);
  });

  it('removes an object and reports its final state', () => {
    const store = new InformerCache();
    store.upsert(obj('a', 'x'));
    expect(store.remove(obj('a', 'x', '9'))).toMatchObject({ kind: 'delete', obj: { metadata: { resourceVersion: '9' } } });
    expect(store.get('a', 'x')).toBeUndefined();
  });
});

describe('toWireJson', () => {
  it('writes Dates as the API server writes times, so listed and watched objects compare equal', () => {
    expect(toWireJson({ t: new Date('2030-01-01T00:00:00Z'), u: new Date('2030-01-01T00:00:00.250Z'), gone: undefined })).toEqual({
      t: '2030-01-01T00:00:00Z',
      u: '2030-01-01T00:00:00.250Z',
    });
  });
});

describe('InformerCache indexes', () => {
  const pod = (name: string, owner: string | undefined): KubernetesObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'a', name, labels: owner ? { owner } : {}, managedFields: [{ manager: 'x' }] },
  });

  it('finds objects by index value and follows updates, deletes and relists', () => {
    const store = new InformerCache<KubernetesObject>();
    store.addIndex('owner', (o) => o.metadata?.labels?.owner);
    store.upsert(pod('p1', 'j1'));
    store.upsert(pod('p2', 'j1'));
    store.upsert(pod('p3', undefined));
    expect(store.byIndex('owner', 'j1').map((o) => o.metadata?.name).sort()).toEqual(['p1', 'p2']);

    store.upsert(pod('p2', 'j2'));
    expect(store.byIndex('owner', 'j1').map((o) => o.metadata?.name)).toEqual(['p1']);
    expect(store.byIndex('owner', 'j2').map((o) => o.metadata?.name)).toEqual(['p2']);

    store.remove(pod('p1', 'j1'));
    expect(store.byIndex('owner', 'j1')).toEqual([]);

    store.replace([pod('p4', 'j2')]);
    expect(store.byIndex('owner', 'j2').map((o) => o.metadata?.name)).toEqual(['p4']);
  });

  it('drops managedFields from cached objects', () => {
    const store = new InformerCache<KubernetesObject>();
    expect(store.upsert(pod('p1', 'j1')).obj.metadata?.managedFields).toBeUndefined();
  });
});
