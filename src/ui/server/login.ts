import { cookieValue, isOwnHost, type Knock } from './gate.ts';

// The dashboard run in a cluster (`tessera ui --in-cluster`, the chart's ui.enabled) has no identity
// of its own: each person signs in with their own Kubernetes bearer token (`kubectl create token`,
// or their OIDC ID token), which it keeps in memory for their session and presents on every read it
// makes for them. People reach it with `kubectl port-forward`, so it answers loopback names only, on
// whatever local port they chose. Pure.

/** The cookie naming a signed-in session (a random id; the token itself stays on the server). */
export const sessionCookieName = 'tessera-ui-session';

/** The session cookie: never readable by scripts, never sent from another site's page. */
export function sessionCookie(id: string): string {
  return `${sessionCookieName}=${id}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The cookie that ends a session in the browser. */
export const clearedCookie = `${sessionCookieName}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;

/** What the in-cluster door does with a request. */
export type ClusterVerdict =
  | { kind: 'refuse'; status: 401 | 403 | 405; message: string; signIn?: string }
  | { kind: 'login-page' }
  | { kind: 'login' }
  | { kind: 'logout-page' }
  | { kind: 'logout' }
  | { kind: 'to-login' }
  | { kind: 'session'; id: string };

/**
 * A sign-in or sign-out form's POST: refused when another site's page sent it (its Origin is that
 * site's). Signing out is a POST too, so a link on another site cannot end a session.
 */
function postVerdict(path: string, knock: Knock & { origin: string | undefined }): ClusterVerdict {
  if (path !== '/login' && path !== '/logout') return { kind: 'refuse', status: 405, message: 'the dashboard only answers GET, and POST /login or /logout' };
  if (knock.origin !== undefined && knock.origin !== `http://${knock.host}`) return { kind: 'refuse', status: 403, message: 'sign in and out from the dashboard\'s own page' };
  return { kind: path === '/login' ? 'login' : 'logout' };
}

/** Decides a request to the in-cluster dashboard; `known` says whether a session id is live. */
export function clusterVerdict(knock: Knock & { origin: string | undefined }, known: (id: string) => boolean): ClusterVerdict {
  if (!isOwnHost(knock.host, 'any')) return { kind: 'refuse', status: 403, message: 'reach the dashboard through `kubectl port-forward`, at 127.0.0.1 or localhost' };
  const path = new URL(knock.url, 'http://127.0.0.1').pathname;
  if (knock.method === 'POST') return postVerdict(path, knock);
  if (knock.method !== 'GET' && knock.method !== 'HEAD') return { kind: 'refuse', status: 405, message: 'the dashboard only answers GET, and POST /login or /logout' };
  if (path === '/login') return { kind: 'login-page' };
  if (path === '/logout') return { kind: 'logout-page' };
  const id = cookieValue(knock.cookie, sessionCookieName);
  if (id !== undefined && known(id)) return { kind: 'session', id };
  return path === '/' ? { kind: 'to-login' } : { kind: 'refuse', status: 401, message: 'sign in with your Kubernetes token first: open /login', signIn: '/login' };
}

/** The sign-in form's fields. */
export interface Login {
  token: string;
  /** Namespaces to show when the user may not list namespaces. */
  namespaces: string[];
}

/** The sign-in form, or why it is not one. */
export function parseLogin(body: string): Login | { problem: string } {
  const form = new URLSearchParams(body);
  const token = (form.get('token') ?? '').trim().replace(/^Bearer\s+/i, '');
  if (!/^[\x21-\x7e]{8,16384}$/.test(token)) return { problem: 'paste a bearer token: the output of `kubectl create token`, or your OIDC ID token' };
  const namespaces = (form.get('namespaces') ?? '').split(/[\s,]+/).filter(Boolean);
  const bad = namespaces.find((n) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n));
  if (bad !== undefined) return { problem: `${bad} is not a namespace name` };
  return { token, namespaces };
}

/**
 * When a session signed in with `token` ends: at the token's own expiry when it is a JWT that says
 * (ServiceAccount and OIDC ID tokens do), so that an expired token sends its holder back to the
 * sign-in page instead of leaving a page whose every read the API server now refuses; never later
 * than `maxAgeMs` from `now`. The claim is only read, not trusted: the API server verified the token.
 */
export function sessionExpiry(token: string, now: number, maxAgeMs: number): number {
  const latest = now + maxAgeMs;
  const [, payload] = token.split('.');
  if (payload === undefined) return latest;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? Math.min(latest, exp * 1000) : latest;
  } catch {
    return latest;
  }
}

/** The namespace of a ServiceAccount's user name (`system:serviceaccount:NS:NAME`), where its token belongs. */
export function namespaceOfUser(username: string): string | undefined {
  return /^system:serviceaccount:([^:]+):[^:]+$/.exec(username)?.[1];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The sign-out page: one button, a form that POSTs (no script). */
export function logoutPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera — sign out</title>
<style>body{font:14px system-ui,sans-serif;margin:2em auto;max-width:44em;color:#222}</style></head>
<body><h1>Tessera</h1>
<form method="post" action="/logout"><p><button type="submit" id="sign-out">Sign out</button> (the dashboard forgets your token)</p></form>
</body></html>
`;
}

/** The sign-in page: a plain form, no script. */
export function loginPage(problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera — sign in</title>
<style>body{font:14px system-ui,sans-serif;margin:2em auto;max-width:44em;color:#222}textarea,input{width:100%;font:12px monospace}.problem{color:#b00020}</style></head>
<body><h1>Tessera</h1>
<p>Sign in with your own Kubernetes token: the dashboard reads the cluster as you, so you see what
your RBAC lets you see. <code>kubectl create token SERVICEACCOUNT -n NAMESPACE</code> makes one for a
ServiceAccount; with OIDC, paste your ID token. It stays in this dashboard's memory for your session only.</p>
${problem ? `<p class="problem" id="problem">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/login">
<p><label>Token<br><textarea name="token" id="token" rows="6" autocomplete="off" required></textarea></label></p>
<p><label>Namespaces to show, if you may not list namespaces (optional; a ServiceAccount's own is the default)<br><input name="namespaces" id="namespaces"></label></p>
<p><button type="submit" id="sign-in">Sign in</button></p>
</form></body></html>
`;
}
