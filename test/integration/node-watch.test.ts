import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { NodeWatch, type WatchQuery } from '../../src/runtime/node-watch.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { tenantOf } from '../support/tenant.ts';

// The operator's watch (node:https, lines split by hand) against the real API server: events in
// order and whole however the stream is chunked, a refusal with the API server's own message, an
// abort and an idle connection each ending the watch exactly once. (A 410 needs a compacted
// revision, which a fresh cluster lacks; the informer's handling of it is unit-tested.)

const ns = useNamespace(import.meta.filename);
const other = useNamespace(import.meta.filename, 'other');
const { config, core } = kube();

interface Seen {
  events: Array<{ type: string; object: k8s.V1ConfigMap & { code?: number } }>;
  ends: unknown[];
  controller: AbortController;
}

async function watchConfigMaps(namespace: string, query: WatchQuery, watcher = new NodeWatch(config)): Promise<Seen> {
  const seen: Omit<Seen, 'controller'> = { events: [], ends: [] };
  const controller = await watcher.watch(
    `/api/v1/namespaces/${namespace}/configmaps`,
    query,
    (type, object) => seen.events.push({ type, object: object as Seen['events'][number]['object'] }),
    (error) => seen.ends.push(error),
  );
  return { ...seen, controller };
}

async function listVersion(namespace: string): Promise<string> {
  return (await core.listNamespacedConfigMap({ namespace })).metadata?.resourceVersion ?? '';
}

describe('NodeWatch against the API server', () => {
  it('delivers ADDED, MODIFIED and DELETED in order, and a 900 KB object whole', async () => {
    const seen = await watchConfigMaps(ns.name, { resourceVersion: await listVersion(ns.name) });
    const big = 'é'.repeat(450_000); // 900 KB of two-byte characters: many chunks, cut mid-character
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'big' }, data: { big } } });
    await core.patchNamespacedConfigMap(
      { namespace: ns.name, name: 'big', body: { data: { big, more: 'yes' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ namespace: ns.name, name: 'big' });
    await waitFor('three events', () => seen.events.length >= 3);
    seen.controller.abort();
    expect(seen.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(seen.events.map((e) => e.object.data?.big === big)).toEqual([true, true, true]);
    expect(seen.events[1]?.object.data?.more).toBe('yes');
  });

  it('ends exactly once on abort, with nothing delivered after it', async () => {
    const seen = await watchConfigMaps(ns.name, { resourceVersion: await listVersion(ns.name) });
    seen.controller.abort();
    await waitFor('the end of the watch', () => seen.ends.length > 0);
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'after-abort' } } });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(seen.ends).toHaveLength(1);
    expect(seen.events).toEqual([]);
  });

  it("refuses a tenant another namespace's watch, with the API server's own message and status", async () => {
    const tenant = await tenantOf(ns.name);
    const asTenant = new k8s.KubeConfig();
    asTenant.loadFromFile(tenant.kubeconfig);
    const seen = await watchConfigMaps(other.name, {}, new NodeWatch(asTenant));
    await waitFor('the refusal', () => seen.ends.length > 0);
    const refusal = seen.ends[0] as Error & { statusCode?: number };
    expect(refusal.statusCode).toBe(403);
    expect(refusal.message).toMatch(new RegExp(`configmaps is forbidden: .* cannot watch resource "configmaps" .* in the namespace "${other.name}"`));
    expect(seen.events).toEqual([]);
  });

  it('ends a watch that received nothing for its inactivity time with a TimeoutError, once', async () => {
    const started = Date.now();
    const seen = await watchConfigMaps(ns.name, { resourceVersion: await listVersion(ns.name) }, new NodeWatch(config, 1500));
    await waitFor('the idle end', () => seen.ends.length > 0);
    expect((seen.ends[0] as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.ends).toHaveLength(1);
  });
});
