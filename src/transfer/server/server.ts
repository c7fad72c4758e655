// The transfer API's HTTP edge: routes, bearer tokens, JSON bodies with a size limit, and errors as
// `{reason, message}`. What each route does lives in handlers.ts; who may do it in authorize.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { z } from 'zod';
import { listen, type ListeningServer } from '../../runtime/listen.ts';
import type { Logger } from '../../runtime/logger.ts';
import { commitRequestSchema, downloadRequestSchema, indexCommitSchema, renewRequestSchema, uploadRequestSchema } from '../protocol.ts';
import { RequestAdmission, type AdmissionLimits } from './admission.ts';
import { authorizeRun, checkPodSealed, type RunContext, type RunLookups } from './authorize.ts';
import { TransferError } from './errors.ts';
import { checkTokenStaysWithMovers } from './token-holders.ts';
import { commitOutputs, describeRun, presignDownload, presignUpload, renewUpload } from './handlers.ts';
import { commitIndex, listForIndex, type IndexDeps } from './index-handlers.ts';
import { AuthenticationError, screenToken, type TokenReviewer } from './identity.ts';

/** What the transfer server needs besides the handlers' dependencies. */
export interface TransferServerOptions {
  host: string;
  /** 0 picks a free port (tests); the bound port is returned. */
  port: number;
  reviewer: TokenReviewer;
  lookups: RunLookups;
  deps: IndexDeps;
  logger: Logger;
  registry?: Registry;
  /** The image of the operator's movers: only containers running it (as movers) may hold a pod's token. */
  moverImage: string;
  /** Per-source rate and in-flight cap; defaultAdmissionLimits unless given. */
  admission?: AdmissionLimits;
}

/** A running transfer server. */
export type TransferServer = ListeningServer;

// Commits carry whole manifests: 64 MiB holds several hundred thousand entries.
const maxBodyBytes = 64 * 1024 * 1024;

type Route = (ctx: RunContext, body: unknown, deps: IndexDeps) => Promise<unknown>;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  throw new TransferError('InvalidRequest', problems);
}

const routes: Record<string, Route> = {
  'GET /v1/run': (ctx, _body, deps) => describeRun(ctx, deps),
  'POST /v1/download': (ctx, body, deps) => presignDownload(ctx, parse(downloadRequestSchema, body).digest, deps),
  'POST /v1/upload': (ctx, body, deps) => presignUpload(ctx, parse(uploadRequestSchema, body), deps),
  'POST /v1/upload/renew': (ctx, body, deps) => renewUpload(ctx, parse(renewRequestSchema, body).session, deps),
  'POST /v1/commit': (ctx, body, deps) => commitOutputs(ctx, parse(commitRequestSchema, body).outputs, deps),
  'POST /v1/index/list': (ctx, _body, deps) => listForIndex(ctx, deps),
  'POST /v1/index/commit': (ctx, body, deps) => commitIndex(ctx, parse(indexCommitSchema, body).entries, deps),
};

function send(res: ServerResponse, status: number, body: unknown, retryAfterSeconds?: number): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBodyBytes) throw new TransferError('InvalidRequest', `request body larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  if (length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks, length).toString('utf8'));
  } catch (error) {
    throw new TransferError('InvalidRequest', 'request body is not JSON', { cause: error });
  }
}

function bearerToken(req: IncomingMessage): string {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match?.[1]) throw new TransferError('Unauthenticated', 'send the pod token as "Authorization: Bearer <token>"');
  return match[1];
}

function asTransferError(error: unknown): TransferError {
  if (error instanceof TransferError) return error;
  if (error instanceof AuthenticationError) return new TransferError('Unauthenticated', error.message, { cause: error });
  return new TransferError('Internal', 'the operator could not complete the request; it is logged', { cause: error });
}

/** The transfer API's own metrics. */
export interface ServerMetrics {
  requests: Counter<'route' | 'code'>;
  duration: Histogram<'route'>;
  bytes: Counter<'direction'>;
}

/** The transfer API's metrics on `registry` (none without one); exported for the check that dashboards and alerts name real metrics. */
export function serverMetrics(registry: Registry | undefined): ServerMetrics | undefined {
  if (!registry) return undefined;
  const registers = [registry];
  return {
    requests: new Counter({ name: 'tessera_transfer_requests_total', help: 'Transfer API requests by route and HTTP status', labelNames: ['route', 'code'], registers }),
    duration: new Histogram({ name: 'tessera_transfer_request_duration_seconds', help: 'Transfer API request latency by route', labelNames: ['route'], registers }),
    bytes: new Counter({
      name: 'tessera_transfer_bytes_total',
      help: "Bytes of the blobs movers were handed presigned URLs for, by direction (sizes from the manifests; a download's blobs are counted once per file set pulled)",
      labelNames: ['direction'],
      registers,
    }),
  };
}

/** The handlers' dependencies, telling the bytes they hand out URLs for to the counter. */
function countingBytes(deps: IndexDeps, bytes: Counter<'direction'>): IndexDeps {
  for (const direction of ['download', 'upload']) bytes.inc({ direction }, 0);
  return { ...deps, bytesMoved: (direction, n) => bytes.inc({ direction }, n) };
}

async function handle(opts: TransferServerOptions, req: IncomingMessage): Promise<[number, unknown]> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/healthz') return [200, { ok: true }];
  const route = routes[`${req.method ?? ''} ${path}`];
  if (!route) throw new TransferError('NotFound', `no route ${req.method ?? ''} ${path}`);
  const token = bearerToken(req);
  // Junk is refused here, for free; only a token that could be a pod's costs a TokenReview.
  screenToken(token, Date.now());
  const identity = await opts.reviewer.review(token);
  const ctx = authorizeRun(identity, opts.lookups);
  checkTokenStaysWithMovers(ctx.pod, opts.moverImage, ctx.indexes !== undefined);
  checkPodSealed(ctx, opts.deps.signingKeys);
  return [200, await route(ctx, await readJson(req), opts.deps)];
}

/** Answers a request refused before any work: 429 with Retry-After, the body left unread. */
function sendBusy(req: IncomingMessage, res: ServerResponse, why: string, retryAfterSeconds: number): void {
  res.setHeader('Connection', 'close');
  send(res, 429, { reason: 'TooManyRequests', message: `${why}; retry after ${retryAfterSeconds} s` }, retryAfterSeconds);
  req.resume();
}

/** Serves the transfer API on node:http until close(). */
export function startTransferServer(opts: TransferServerOptions): Promise<TransferServer> {
  const metrics = serverMetrics(opts.registry);
  const served = metrics ? { ...opts, deps: countingBytes(opts.deps, metrics.bytes) } : opts;
  const admission = new RequestAdmission(opts.admission);
  const server: Server = createServer((req, res) => {
    const route = `${req.method ?? ''} ${new URL(req.url ?? '/', 'http://localhost').pathname}`;
    // Only known routes become label values: a caller must not be able to grow the metric without bound.
    const routeLabel = route in routes || route === 'GET /healthz' ? route : 'other';
    const ticket = admission.admit(req.socket.remoteAddress ?? 'unknown');
    if (!ticket.admitted) {
      // Counted, never logged: a flood must not become a flood of log lines either.
      sendBusy(req, res, ticket.why, ticket.retryAfterSeconds);
      metrics?.requests.inc({ route: routeLabel, code: '429' });
      return;
    }
    const endTimer = metrics?.duration.startTimer({ route: routeLabel });
    handle(served, req)
      .then(([status, body]) => send(res, status, body))
      .catch((error: unknown) => {
        const answer = asTransferError(error);
        logRefusal(opts.logger, error, answer, routeLabel);
        send(res, answer.status, { reason: answer.reason, message: answer.message }, answer.reason === 'TooManyRequests' ? 1 : undefined);
      })
      .finally(() => {
        ticket.release();
        endTimer?.();
        metrics?.requests.inc({ route: routeLabel, code: String(res.statusCode) });
      });
  });
  return listen(server, opts.host, opts.port);
}

/** Server faults at error level, refusals at info; throttled callers not at all (they are many). */
function logRefusal(logger: Logger, error: unknown, answer: TransferError, route: string): void {
  if (answer.reason === 'TooManyRequests') return;
  const log = answer.status >= 500 ? logger.error.bind(logger) : logger.info.bind(logger);
  log({ err: error, route, reason: answer.reason }, 'transfer request refused');
}
