import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { dashboardApi } from './api.ts';
import { clusterReads } from './cluster-reads.ts';
import { liveFeed } from './live.ts';
import { cookieValue } from './gate.ts';
import { clearedCookie, clusterVerdict, loginPage, logoutPage, namespaceOfUser, parseLogin, sessionCookie, sessionCookieName, sessionExpiry } from './login.ts';
import { resolveScope } from './scope.ts';
import type { Door, Session } from './server.ts';

// The in-cluster dashboard's door (login.ts decides): a signed-in browser's requests are read with
// that person's own token, held in memory for their session; the pod itself holds no credentials
// for the cluster (its ServiceAccount token is not even mounted: only the API server's CA).

/** The API server and the CA that signed its certificate. */
export interface ApiServer {
  server: string;
  caFile: string;
}

/** The API server as a pod reaches it: the Service the kubelet puts in every pod's environment. */
export function apiServerInPod(caFile: string, env: NodeJS.ProcessEnv = process.env): ApiServer {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error('--in-cluster: KUBERNETES_SERVICE_HOST is not set (not in a pod?); pass --api-server');
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, caFile };
}

/** A client configuration that is `token`'s holder and no one else. */
export function userConfig(api: ApiServer, token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'cluster', server: api.server, caData: readFileSync(api.caFile).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'user', cluster: 'cluster', user: 'user' }],
    currentContext: 'user',
  });
  return kc;
}

interface Signed {
  session: Session;
  user: string;
  expires: number;
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > limit) {
        reject(new Error('the sign-in form is too large'));
        request.destroy();
      }
    });
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function page(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'", ...headers });
  response.end(html);
}

/** Who the token's holder is, as the API server says (SelfSubjectReview); undefined when it refuses the token. */
async function whoAmI(kc: k8s.KubeConfig): Promise<string | undefined> {
  try {
    const review = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    return review.status?.userInfo?.username;
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 401) return undefined;
    throw error;
  }
}

/** The door of an in-cluster dashboard reading `api` as each signed-in person. */
export function clusterDoor(api: ApiServer, limits = { sessions: 64, maxAgeMs: 8 * 3600_000 }): (port: number) => Door {
  return () => {
    const signed = new Map<string, Signed>();
    const end = (id: string): void => {
      signed.get(id)?.session.live.stop();
      signed.delete(id);
    };
    const sweep = setInterval(() => {
      for (const [id, s] of signed) if (s.expires < Date.now()) end(id);
    }, 60_000);
    sweep.unref();

    const login = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
      const form = parseLogin(await readBody(request, 32_768));
      if ('problem' in form) return page(response, 400, loginPage(form.problem));
      const kc = userConfig(api, form.token);
      const user = await whoAmI(kc);
      if (user === undefined) return page(response, 401, loginPage('the API server did not accept this token (expired, or not one of this cluster\'s)'));
      if (signed.size >= limits.sessions) return page(response, 503, loginPage('too many people are signed in to this dashboard; try again later'));
      const named = form.namespaces.length > 0 ? form.namespaces : [namespaceOfUser(user)].filter((n): n is string => n !== undefined);
      const scope = await resolveScope(kc, named);
      const id = randomBytes(32).toString('base64url');
      signed.set(id, { session: { api: dashboardApi(clusterReads(kc, scope), scope), live: liveFeed(kc, scope) }, user, expires: sessionExpiry(form.token, Date.now(), limits.maxAgeMs) });
      response.writeHead(303, { location: '/', 'set-cookie': sessionCookie(id), 'cache-control': 'no-store' });
      response.end();
    };

    return {
      async admit(request, response) {
        const knock = { method: request.method, host: request.headers.host, url: request.url ?? '/', cookie: request.headers.cookie, origin: request.headers.origin };
        const verdict = clusterVerdict(knock, (id) => (signed.get(id)?.expires ?? 0) > Date.now());
        switch (verdict.kind) {
          case 'refuse': return verdict;
          case 'login-page': page(response, 200, loginPage()); return { kind: 'answered' };
          case 'logout-page': page(response, 200, logoutPage()); return { kind: 'answered' };
          case 'to-login': response.writeHead(303, { location: '/login' }).end(); return { kind: 'answered' };
          case 'login': await login(request, response); return { kind: 'answered' };
          case 'logout': {
            const id = cookieValue(knock.cookie, sessionCookieName);
            if (id !== undefined) end(id);
            response.writeHead(303, { location: '/login', 'set-cookie': clearedCookie }).end();
            return { kind: 'answered' };
          }
          case 'session': return { kind: 'pass', session: signed.get(verdict.id)!.session };
        }
      },
      close() {
        clearInterval(sweep);
        for (const id of [...signed.keys()]) end(id);
      },
    };
  };
}
