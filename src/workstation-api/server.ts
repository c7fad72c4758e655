// The workstation API's HTTPS edge: routes under /apis/files.tessera.dev/v1alpha1, discovery for the
// aggregation layer and kubectl, the caller from the front proxy, JSON bodies with a size limit, and
// errors as Status objects. What each route does lives in handlers.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Counter, type Registry } from 'prom-client';
import type { z } from 'zod';
import { listen, type ListeningServer } from '../runtime/listen.ts';
import type { Logger } from '../runtime/logger.ts';
import { BodyTooLargeError, readBody } from '../runtime/request-body.ts';
import { FencedWriteError } from '../runtime/write-fence.ts';
import { ApiError, statusOf } from './errors.ts';
import { callerOf, type Caller, type FrontProxySettings } from './front-proxy.ts';
import { collectNow, commitUpload, presignFileSet, renewUpload, startUpload, type WorkstationDeps } from './handlers.ts';
import { collectRequestSchema, commitRequestSchema, filesGroup, filesGroupVersion, filesVersion, renewUploadSchema, uploadRequestSchema } from './protocol.ts';

/** What the server needs. */
export interface WorkstationServerOptions {
  host: string;
  port: number;
  /** PEM serving certificate and key: the APIService's caBundle must vouch for them. */
  cert: string;
  key: string;
  /** The front proxy's CA bundle and header settings (front-proxy-config.ts). */
  frontProxy: { caBundle: string; settings: FrontProxySettings };
  deps: WorkstationDeps;
  logger: Logger;
  registry?: Registry;
}

// Commits carry whole manifests: 64 MiB holds several hundred thousand entries.
const maxBodyBytes = 64 * 1024 * 1024;
const base = `/apis/${filesGroupVersion}`;

/** The APIResourceList kubectl and the aggregation layer read. */
export const resourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: filesGroupVersion,
  resources: [
    { name: 'filesets', singularName: 'fileset', namespaced: true, kind: 'FileSet', verbs: ['get'] },
    { name: 'uploads', singularName: 'upload', namespaced: true, kind: 'Upload', verbs: ['create'] },
    { name: 'commits', singularName: 'commit', namespaced: true, kind: 'Commit', verbs: ['create'] },
    { name: 'garbagecollections', singularName: 'garbagecollection', namespaced: false, kind: 'GarbageCollection', verbs: ['create'] },
  ],
};

const apiGroup = {
  kind: 'APIGroup',
  apiVersion: 'v1',
  name: filesGroup,
  versions: [{ groupVersion: filesGroupVersion, version: filesVersion }],
  preferredVersion: { groupVersion: filesGroupVersion, version: filesVersion },
};

// Discovery reveals nothing and is read by the aggregation layer's availability check: no caller needed.
const openRoutes: Record<string, unknown> = {
  [base]: resourceList,
  [`/apis/${filesGroup}`]: apiGroup,
  '/openapi/v2': { swagger: '2.0', info: { title: filesGroup, version: filesVersion }, paths: {} },
  '/openapi/v3': { paths: {} },
  '/healthz': 'ok',
  '/readyz': 'ok',
};

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ApiError('BadRequest', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readBody(req, maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new ApiError('BadRequest', error.message);
    throw error;
  }
  try {
    return bytes.length ? JSON.parse(bytes.toString('utf8')) : {};
  } catch (error) {
    throw new ApiError('BadRequest', 'the request body is not JSON', { cause: error });
  }
}

type Handler = (caller: Caller, req: IncomingMessage, deps: WorkstationDeps) => Promise<[number, unknown]>;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  label: string;
  handle: (match: RegExpExecArray) => Handler;
}

const routes: Route[] = [
  {
    method: 'POST',
    pattern: new RegExp(`^${base}/namespaces/([a-z0-9-]{1,63})/uploads$`),
    label: 'uploads',
    handle: (m) => async (caller, req, deps) => {
      const body = await jsonBody(req);
      const renewal = renewUploadSchema.safeParse(body);
      if (renewal.success) return [201, await renewUpload(caller, m[1] ?? '', renewal.data, deps)];
      return [201, await startUpload(caller, m[1] ?? '', parse(uploadRequestSchema, body), deps)];
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${base}/namespaces/([a-z0-9-]{1,63})/commits$`),
    label: 'commits',
    handle: (m) => async (caller, req, deps) => [201, await commitUpload(caller, m[1] ?? '', parse(commitRequestSchema, await jsonBody(req)), deps)],
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${base}/namespaces/([a-z0-9-]{1,63})/filesets/(sha256:[0-9a-f]{64})$`),
    label: 'filesets',
    handle: (m) => async (caller, _req, deps) => [200, await presignFileSet(caller, m[1] ?? '', m[2] ?? '', deps)],
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${base}/garbagecollections$`),
    label: 'garbagecollections',
    handle: () => async (caller, req, deps) => [201, await collectNow(caller, parse(collectRequestSchema, await jsonBody(req)), deps)],
  },
];

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof FencedWriteError) return new ApiError('ServiceUnavailable', 'this operator replica is not the leader now; try again', { cause: error });
  return new ApiError('InternalError', 'the operator could not complete the request; it is logged', { cause: error });
}

function peerOf(req: IncomingMessage): { verified: boolean; commonName?: string } {
  const socket = req.socket as TLSSocket;
  const cn: unknown = socket.getPeerCertificate?.().subject?.CN;
  return { verified: socket.authorized === true, commonName: typeof cn === 'string' ? cn : undefined };
}

function routeOf(method: string, path: string): { route: Route; match: RegExpExecArray } | undefined {
  for (const route of routes) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match) return { route, match };
  }
  return undefined;
}

async function handle(opts: WorkstationServerOptions, req: IncomingMessage, found: ReturnType<typeof routeOf>): Promise<[number, unknown]> {
  const path = new URL(req.url ?? '/', 'https://localhost').pathname;
  if (req.method === 'GET' && path in openRoutes) return [200, openRoutes[path]];
  if (!found) throw new ApiError('NotFound', `the server could not find the requested resource (${req.method ?? ''} ${path})`);
  const caller = callerOf(peerOf(req), req.headersDistinct, opts.frontProxy.settings);
  return found.route.handle(found.match)(caller, req, opts.deps);
}

/** Serves the workstation API over TLS until close(). */
export function startWorkstationServer(opts: WorkstationServerOptions): Promise<ListeningServer> {
  const requests = opts.registry
    ? new Counter({ name: 'tessera_workstation_requests_total', help: 'Workstation API requests by route and HTTP status', labelNames: ['route', 'code'], registers: [opts.registry] })
    : undefined;
  // Client certificates are requested but checked per request: discovery must answer anyone, and
  // only the front proxy's certificate makes the X-Remote-* headers believable.
  const server = createServer({ cert: opts.cert, key: opts.key, ca: opts.frontProxy.caBundle, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    const found = routeOf(req.method ?? '', path);
    const label = found?.route.label ?? (path in openRoutes ? 'discovery' : 'other');
    handle(opts, req, found)
      .then(([status, body]) => send(res, status, body))
      .catch((error: unknown) => {
        const answer = asApiError(error);
        const log = answer.code >= 500 ? opts.logger.error.bind(opts.logger) : opts.logger.info.bind(opts.logger);
        log({ err: error, route: label, reason: answer.reason }, 'workstation request refused');
        send(res, answer.code, statusOf(answer));
      })
      .finally(() => requests?.inc({ route: label, code: String(res.statusCode) }));
  });
  return listen(server, opts.host, opts.port);
}
