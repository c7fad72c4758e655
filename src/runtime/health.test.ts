import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from './health.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${server?.port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('startHealthServer', () => {
  it('answers /readyz with 503 until ready, then 200', async () => {
    let ready = false;
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), readiness: () => ready });
    expect((await get('/readyz')).status).toBe(503);
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
  });

  it('answers /healthz from liveness, alive by default', async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), readiness: () => false });
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    await server.close();
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), readiness: () => true, liveness: () => false });
    expect((await get('/healthz')).status).toBe(500);
  });

  it('serves the registry on /metrics and 404 elsewhere', async () => {
    const registry = new Registry();
    new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, readiness: () => true });
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('things_total 3');
    expect((await get('/nope')).status).toBe(404);
  });

  it('reports a readiness check that throws as not ready', async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      readiness: () => {
        throw new Error('broken');
      },
    });
    expect((await get('/readyz')).status).toBe(503);
  });
});
