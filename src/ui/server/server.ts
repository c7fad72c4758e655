import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type * as k8s from '@kubernetes/client-node';
import { dashboardApi } from './api.ts';
import { asset } from './assets.ts';
import { clusterReads } from './cluster-reads.ts';
import { liveFeed } from './live.ts';
import { answerBody, isOwnHost, routeOf, type Route } from './routes.ts';
import type { Scope } from './visible.ts';

// The dashboard's HTTP edge: node:http on 127.0.0.1 only, every read made as the user whose
// kubeconfig started it, so Kubernetes RBAC decides what the page shows. It holds no store keys.

/** A running dashboard. */
export interface RunningDashboard {
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

type Api = ReturnType<typeof dashboardApi>;

async function answer(route: Route, api: Api, assetsDir: string): Promise<{ status: number; body: unknown } | { type: string; body: Buffer } | undefined> {
  switch (route.kind) {
    case 'overview': return { status: 200, body: await api.overview() };
    case 'catalog': return { status: 200, body: await api.catalog() };
    case 'plan': return answerBody(await api.plan(route.namespace, route.name));
    case 'job': return answerBody(await api.job(route.namespace, route.name));
    case 'asset': return asset(assetsDir, route.path);
    default: return undefined;
  }
}

async function handle(request: IncomingMessage, response: ServerResponse, deps: { api: Api; live: ReturnType<typeof liveFeed>; assetsDir: string; port: number }): Promise<void> {
  if (request.method !== 'GET' || !isOwnHost(request.headers.host, deps.port)) return sendJson(response, 403, { message: 'only GETs from this machine, addressed to 127.0.0.1 or localhost' });
  const route = routeOf(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
  if (route?.kind === 'events') return deps.live.subscribe(response);
  const result = route ? await answer(route, deps.api, deps.assetsDir) : undefined;
  if (!result) return sendJson(response, 404, { message: 'not found' });
  if ('type' in result) {
    response.writeHead(200, { 'content-type': result.type, 'cache-control': 'no-cache' });
    return void response.end(result.body);
  }
  sendJson(response, result.status, result.body);
}

/** Starts serving on 127.0.0.1:`port` (0: any free port). */
export async function startDashboard(opts: { kc: k8s.KubeConfig; scope: Scope; port: number; assetsDir: string }): Promise<RunningDashboard> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const live = liveFeed(opts.kc, opts.scope);
  const deps = { api: dashboardApi(clusterReads(opts.kc, opts.scope), opts.scope), live, assetsDir: opts.assetsDir, port };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response, deps).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 502, { message: `the API server could not be read: ${(error as Error).message}` });
      else response.end();
    });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      live.stop();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
