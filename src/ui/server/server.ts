import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dashboardApi } from './api.ts';
import { asset, type AssetSource } from './assets.ts';
import type { Verdict } from './gate.ts';
import type { LiveFeed } from './live.ts';
import { answerBody, routeOf, type Route } from './routes.ts';

// The dashboard's HTTP edge (node:http). Every request first goes through a door that says whether
// it may come in and as whom: `tessera ui` on a workstation has one session, the user of its
// kubeconfig (local-door.ts); in a cluster each browser brings its own user's token (cluster-door.ts).
// Every read is made as that user, so Kubernetes RBAC decides what the page shows; no store keys.

/** What one user's pages read: their endpoints and their live feed. */
export interface Session {
  api: ReturnType<typeof dashboardApi>;
  live: LiveFeed;
}

/** A door's answer: come in as `session`, or the gate's refusal or cookie exchange. */
export type Admission = { kind: 'pass'; session: Session } | Exclude<Verdict, { kind: 'pass' }> | { kind: 'answered' };

/** Who may come in. */
export interface Door {
  admit(request: IncomingMessage, response: ServerResponse): Promise<Admission>;
  close(): void;
}

/** A running dashboard. */
export interface RunningDashboard {
  readonly port: number;
  close(): Promise<void>;
}

// Headers on every answer: no framing (clickjacking), no sniffing, no referrer (the printed URL's
// token never leaves in one), scripts only from the bundle.
const guarded = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
};

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...guarded, 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

async function answer(route: Route, api: Session['api'], assets: AssetSource): Promise<{ status: number; body: unknown } | { type: string; body: Buffer } | undefined> {
  switch (route.kind) {
    case 'overview': return { status: 200, body: await api.overview() };
    case 'catalog': return { status: 200, body: await api.catalog() };
    case 'plan': return answerBody(await api.plan(route.namespace, route.name));
    case 'job': return answerBody(await api.job(route.namespace, route.name));
    case 'asset': return asset(assets, route.path);
    default: return undefined;
  }
}

async function handle(request: IncomingMessage, response: ServerResponse, deps: { door: Door; assets: AssetSource }): Promise<void> {
  const admission = await deps.door.admit(request, response);
  switch (admission.kind) {
    case 'answered': return;
    case 'refuse': return sendJson(response, admission.status, { message: admission.message, signIn: admission.signIn });
    case 'enter':
      response.writeHead(303, { ...guarded, location: admission.location, 'set-cookie': admission.setCookie, 'cache-control': 'no-store' });
      return void response.end();
  }
  const { api, live } = admission.session;
  const route = routeOf(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
  if (route?.kind === 'events') return live.subscribe(response);
  const result = route ? await answer(route, api, deps.assets) : undefined;
  if (!result) return sendJson(response, 404, { message: 'not found' });
  if ('type' in result) {
    response.writeHead(200, { ...guarded, 'content-type': result.type, 'cache-control': 'no-cache' });
    return void response.end(result.body);
  }
  sendJson(response, result.status, result.body);
}

/** Starts serving on `host`:`port` (0: any free port); `door` is made once the port is known. */
export async function startDashboard(opts: { host: string; port: number; assets: AssetSource; door: (port: number) => Door }): Promise<RunningDashboard> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const door = opts.door(port);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response, { door, assets: opts.assets }).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 502, { message: `the API server could not be read: ${(error as Error).message}` });
      else response.end();
    });
  });
  return {
    port,
    close: () => {
      door.close();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
