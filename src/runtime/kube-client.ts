import {
  ApiException,
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  KubernetesObjectApi,
  ServerConfiguration,
  setHeaderMiddleware,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import type { ClientMetrics } from './metrics.ts';
import type { TokenBucket } from './rate-limiter.ts';
import { assertMayWrite, type WriteFence } from './write-fence.ts';

/** How API clients made here are throttled, counted and identified. */
export interface ClientOptions {
  limiter?: TokenBucket;
  metrics?: ClientMetrics;
  userAgent?: string;
  /** Checked right before each request other than a GET leaves: a fenced replica writes nothing. */
  fence?: WriteFence;
}

/**
 * Wraps the HTTP library rather than adding a middleware: a middleware's post() never sees a
 * request that failed below HTTP (connection refused, reset), and those are the ones worth counting
 * (as code "<error>", like client-go) when the API server is down.
 */
function limitedHttpLibrary(inner: HttpLibrary, opts: ClientOptions): HttpLibrary {
  const { limiter, metrics, fence } = opts;
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = request.getHttpMethod();
      if (limiter) {
        const waitStart = performance.now();
        await limiter.take();
        metrics?.rateLimiterDuration.observe({ method }, (performance.now() - waitStart) / 1000);
      }
      // After the limiter's wait, which can outlast the lease: the last moment before the write leaves.
      if (fence && method !== 'GET') {
        try {
          assertMayWrite(fence, `${method} ${new URL(request.getUrl()).pathname}`);
        } catch (error) {
          metrics?.requests.inc({ method, code: '<fenced>' });
          throw error;
        }
      }
      try {
        const response = await inner.send(request).toPromise();
        metrics?.requests.inc({ method, code: String(response.httpStatusCode) });
        return response;
      } catch (error) {
        metrics?.requests.inc({ method, code: '<error>' });
        throw error;
      }
    },
  });
}

/**
 * kc's authentication, sharing one connection pool across requests. client-node 2.x builds a new
 * undici Agent for every request, so every request paid a TLS handshake: measured, that was the
 * operator's largest CPU cost and most of its memory churn under load. The TLS material comes from
 * the kubeconfig once; headers (tokens) are still applied per request.
 */
export function pooledAuthentication(kc: KubeConfig): SecurityAuthentication {
  let pool: ReturnType<RequestContext['getDispatcher']>;
  return {
    getName: () => 'kubeconfig authentication, pooled',
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      await kc.applySecurityAuthentication(context);
      pool ??= context.getDispatcher();
      if (pool) context.setDispatcher(pool);
    },
  };
}

/**
 * Builds the Configuration that makeClient and makeObjectApi share: kc's server and credentials,
 * an HTTP library that waits on the limiter and counts every request, and a User-Agent.
 */
export function makeConfiguration(kc: KubeConfig, opts: ClientOptions = {}): Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: pooledAuthentication(kc) },
    httpApi: limitedHttpLibrary(new IsomorphicFetchHttpLibrary(), opts),
    middleware: opts.userAgent ? [setHeaderMiddleware('User-Agent', opts.userAgent)] : [],
  });
}

/**
 * Builds a client-node API client (CoreV1Api, BatchV1Api, …) whose every request first waits on
 * `opts.limiter` and is counted in rest_client_requests_total{method,code}. Watches are not: they
 * use their own connection (see informer.ts).
 */
export function makeClient<T>(kc: KubeConfig, apiClass: new (config: Configuration) => T, opts: ClientOptions = {}): T {
  return new apiClass(makeConfiguration(kc, opts));
}

/** KubernetesObjectApi whose default namespace comes from the kubeconfig context, as makeApiClient does. */
class ContextObjectApi extends KubernetesObjectApi {
  useContextNamespace(kc: KubeConfig): this {
    this.setDefaultNamespace(kc);
    return this;
  }
}

/**
 * A KubernetesObjectApi (generic create/patch/read by apiVersion+kind) with the same limiter,
 * metrics and User-Agent as makeClient. KubernetesObjectApi.makeApiClient takes no options, but its
 * constructor takes a Configuration and its requests go through configuration.httpApi, so this is
 * the same wiring, with the context's default namespace set as makeApiClient would.
 */
export function makeObjectApi(kc: KubeConfig, opts: ClientOptions = {}): KubernetesObjectApi {
  return new ContextObjectApi(makeConfiguration(kc, opts)).useContextNamespace(kc);
}

/** The error itself and its `cause` chain, nearest first (wrappers add context, not a new class). */
function* causes(err: unknown): Generator<unknown> {
  let current = err;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

function ownStatusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (typeof err !== 'object' || err === null) return undefined;
  // Watch errors carry statusCode; Node system errors carry a string code, which is not a status.
  const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The HTTP status of an API error (ApiException.code, a watch error's statusCode), also through `cause`. */
export function statusCode(err: unknown): number | undefined {
  for (const e of causes(err)) {
    const code = ownStatusCode(e);
    if (code !== undefined) return code;
  }
  return undefined;
}

/** The Status reason (AlreadyExists, Conflict, …) of an API error, when its body carries one. */
export function statusReason(err: unknown): string | undefined {
  for (const e of causes(err)) {
    if (!(e instanceof ApiException)) continue;
    const body: unknown = typeof e.body === 'string' ? safeParse(e.body) : e.body;
    const reason = (body as { reason?: unknown } | undefined)?.reason;
    if (typeof reason === 'string') return reason;
  }
  return undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** 404: the object (or its namespace, or its kind) does not exist. */
export function isNotFound(err: unknown): boolean {
  return statusCode(err) === 404;
}

/** 409 with reason AlreadyExists: a create lost to an object of the same name. */
export function isAlreadyExists(err: unknown): boolean {
  return statusCode(err) === 409 && statusReason(err) === 'AlreadyExists';
}

/** 409 other than AlreadyExists: a write at a stale resourceVersion; re-read and try again. */
export function isConflict(err: unknown): boolean {
  return statusCode(err) === 409 && statusReason(err) !== 'AlreadyExists';
}
