import { randomBytes, timingSafeEqual } from 'node:crypto';

// Who may talk to the dashboard at all, before any route. Pure but for the token's randomness.
//
// The server reads the cluster as the user who started it, so anything that reaches its port reads
// what their kubeconfig can. Two doors are shut: a request must be addressed to this server's own
// loopback name (a web page that rebinds its DNS name to 127.0.0.1 sends its own name in Host), and
// it must carry this run's secret — once in the printed URL (`/?token=…`, as Jupyter does), which is
// exchanged for an HttpOnly SameSite=Strict cookie and dropped from the address bar, then the cookie.
// Another local account, or a page that forges requests, has neither.

/** A fresh secret for one run: 32 random bytes, URL-safe. */
export function sessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The cookie that carries the secret. Cookies do not keep ports apart, so the name does. */
export function cookieName(port: number): string {
  return `tessera-ui-${port}`;
}

/** Whether `given` is the secret, compared in constant time. */
export function isSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether a request's Host is one of this server's own loopback names. `port` is the port the browser
 * addressed: the listening port, or 'any' behind `kubectl port-forward`, whose local port the server
 * cannot know (a rebinding page still sends its own host name).
 */
export function isOwnHost(host: string | undefined, port: number | 'any'): boolean {
  const match = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/.exec(host ?? '');
  return match !== null && (port === 'any' || Number(match[2]) === port);
}

/** What to do with a request before routing it. */
export type Verdict =
  | { kind: 'pass' }
  | { kind: 'refuse'; status: 401 | 403 | 405; message: string; signIn?: string }
  /** The printed URL's token: set the cookie and send the browser to the same place without it. */
  | { kind: 'enter'; location: string; setCookie: string };

/** The request as the gate sees it. */
export interface Knock {
  method: string | undefined;
  host: string | undefined;
  /** The request target: path and query. */
  url: string;
  cookie: string | undefined;
}

/** The cookie holding `secret`: never readable by scripts, never sent from another site's page. */
export function sessionCookie(port: number, secret: string): string {
  return `${cookieName(port)}=${secret}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The gate of a dashboard listening on `port` with `secret`. */
export function admit(knock: Knock, gate: { port: number; secret: string }): Verdict {
  if (!isOwnHost(knock.host, gate.port)) {
    return { kind: 'refuse', status: 403, message: `only requests addressed to 127.0.0.1:${gate.port} or localhost:${gate.port}` };
  }
  if (knock.method !== 'GET' && knock.method !== 'HEAD') return { kind: 'refuse', status: 405, message: 'the dashboard only answers GET' };
  const url = new URL(knock.url, 'http://127.0.0.1');
  const offered = url.searchParams.get('token');
  if (offered !== null) {
    if (!isSecret(offered, gate.secret)) return { kind: 'refuse', status: 401, message: 'this token is not the one `tessera ui` printed for this run' };
    url.searchParams.delete('token');
    return { kind: 'enter', location: `${url.pathname}${url.search}`, setCookie: sessionCookie(gate.port, gate.secret) };
  }
  if (isSecret(cookieValue(knock.cookie, cookieName(gate.port)), gate.secret)) return { kind: 'pass' };
  return { kind: 'refuse', status: 401, message: 'open the address `tessera ui` printed (it ends in ?token=…); each run has its own' };
}
