import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAlreadyExists, isConflict, isNotFound, makeClient, makeObjectApi, statusCode } from './kube-client.ts';
import { createMetrics } from './metrics.ts';
import { TokenBucket } from './rate-limiter.ts';

const namespaces = { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get'] };
const status = (code: number, reason: string): ApiException<string> => new ApiException(code, reason, JSON.stringify({ kind: 'Status', code, reason }), {});

describe('API error classification', () => {
  it.each([
    { name: '404', err: status(404, 'NotFound'), want: { code: 404, notFound: true, conflict: false, exists: false } },
    { name: '409 Conflict', err: status(409, 'Conflict'), want: { code: 409, notFound: false, conflict: true, exists: false } },
    { name: '409 AlreadyExists', err: status(409, 'AlreadyExists'), want: { code: 409, notFound: false, conflict: false, exists: true } },
    { name: 'wrapped 409 Conflict', err: new Error('writing status', { cause: status(409, 'Conflict') }), want: { code: 409, notFound: false, conflict: true, exists: false } },
    { name: 'watch error', err: Object.assign(new Error('Gone'), { statusCode: 410 }), want: { code: 410, notFound: false, conflict: false, exists: false } },
    { name: 'socket error', err: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), want: { code: undefined, notFound: false, conflict: false, exists: false } },
    { name: 'not an error', err: 'nope', want: { code: undefined, notFound: false, conflict: false, exists: false } },
  ])('$name', ({ err, want }) => {
    expect({ code: statusCode(err), notFound: isNotFound(err), conflict: isConflict(err), exists: isAlreadyExists(err) }).toEqual(want);
  });
});

describe('makeClient', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  async function fakeApiServer(): Promise<{ kc: KubeConfig; agents: string[] }> {
    const agents: string[] = [];
    server = createServer((req, res) => {
      agents.push(req.headers['user-agent'] ?? '');
      const missing = req.url?.includes('missing');
      res.writeHead(missing ? 404 : 200, { 'Content-Type': 'application/json' });
      if (missing) res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
      // KubernetesObjectApi looks the kind up in discovery first.
      else if (req.url === '/api/v1') res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [namespaces] }));
      else res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'secret' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u', namespace: 'team-a' }],
      currentContext: 'ctx',
    });
    return { kc, agents };
  }

  it('waits on the limiter before every request and counts requests by method and code', async () => {
    const { kc, agents } = await fakeApiServer();
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const limiter = new TokenBucket({ qps: 1000, burst: 10 });
    const take = vi.spyOn(limiter, 'take');
    const core = makeClient(kc, CoreV1Api, { limiter, metrics: metrics.client, userAgent: 'tessera-test' });
    await core.readNamespace({ name: 'ns' });
    await expect(core.readNamespace({ name: 'missing' })).rejects.toSatisfy(isNotFound);
    expect(take).toHaveBeenCalledTimes(2);
    expect(agents).toEqual(['tessera-test', 'tessera-test']);
    const text = await registry.metrics();
    expect(text).toContain('rest_client_requests_total{method="GET",code="200"} 1');
    expect(text).toContain('rest_client_requests_total{method="GET",code="404"} 1');
  });

  it('counts requests that never got an HTTP answer as code "<error>"', async () => {
    const { kc } = await fakeApiServer();
    server?.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const registry = new Registry();
    const core = makeClient(kc, CoreV1Api, { metrics: createMetrics(registry).client });
    await expect(core.readNamespace({ name: 'ns' })).rejects.toThrow();
    expect(await registry.metrics()).toContain('rest_client_requests_total{method="GET",code="<error>"} 1');
  });

  it('gives KubernetesObjectApi the same limiter and the context namespace', async () => {
    const { kc } = await fakeApiServer();
    const limiter = new TokenBucket({ qps: 1000, burst: 10 });
    const take = vi.spyOn(limiter, 'take');
    const api = makeObjectApi(kc, { limiter });
    await api.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    expect(take).toHaveBeenCalledTimes(2);
    expect((api as unknown as { defaultNamespace: string }).defaultNamespace).toBe('team-a');
  });
});
