import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listen, type ListeningServer } from './listen.ts';

/** What the health server serves from. */
export interface HealthServerOptions {
  /** 0 picks a free port (tests); the bound port is returned. */
  port: number;
  host: string;
  registry: Registry;
  /** False while the process cannot do its job yet (e.g. an informer has not synced): 503 on /readyz. */
  readiness: () => boolean;
  /** False when the process should be restarted: 500 on /healthz. Defaults to always alive. */
  liveness?: () => boolean;
}

/** A running health server. */
export type HealthServer = ListeningServer;

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

async function metrics(registry: Registry, res: ServerResponse): Promise<void> {
  try {
    reply(res, 200, await registry.metrics(), registry.contentType);
  } catch (error) {
    reply(res, 500, `collecting metrics failed: ${String(error)}\n`);
  }
}

function probe(check: () => boolean, failStatus: number): [number, string] {
  try {
    return check() ? [200, 'ok\n'] : [failStatus, 'not ok\n'];
  } catch (error) {
    return [failStatus, `check failed: ${String(error)}\n`];
  }
}

function route(opts: HealthServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
  if (path === '/metrics') return void metrics(opts.registry, res);
  if (path === '/healthz' || path === '/livez') return reply(res, ...probe(opts.liveness ?? (() => true), 500));
  if (path === '/readyz') return reply(res, ...probe(opts.readiness, 503));
  reply(res, 404, 'not found\n');
}

/**
 * Serves /healthz (liveness), /readyz (readiness: 503 until ready) and /metrics (Prometheus text)
 * on node:http. Resolves once listening; close() also drops keep-alive connections so shutdown is
 * not held up by an idle Prometheus scraper.
 */
export function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => route(opts, req, res));
  return listen(server, opts.host, opts.port);
}
