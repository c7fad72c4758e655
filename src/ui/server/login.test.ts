import { describe, expect, it } from 'vitest';
import { clusterVerdict, loginPage, namespaceOfUser, parseLogin, sessionCookie, sessionExpiry } from './login.ts';

// The in-cluster dashboard's door: loopback names only (it is reached through kubectl port-forward,
// on any local port), a session per signed-in person, sign-in forms only from its own page.
describe('the in-cluster dashboard door', () => {
  const knock = (over: Partial<Parameters<typeof clusterVerdict>[0]>): Parameters<typeof clusterVerdict>[0] =>
    ({ method: 'GET', host: 'localhost:31234', url: '/api/overview', cookie: undefined, origin: undefined, ...over });
  const known = (id: string): boolean => id === 'live';

  it('lets a live session through on any loopback port, and refuses API reads without one (401)', () => {
    expect(clusterVerdict(knock({ cookie: 'tessera-ui-session=live' }), known)).toEqual({ kind: 'session', id: 'live' });
    expect(clusterVerdict(knock({ host: '127.0.0.1:8080', cookie: 'tessera-ui-session=live' }), known)).toEqual({ kind: 'session', id: 'live' });
    expect(clusterVerdict(knock({}), known)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(clusterVerdict(knock({ cookie: 'tessera-ui-session=ended' }), known)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(clusterVerdict(knock({ url: '/app.js' }), known)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(clusterVerdict(knock({ url: '/' }), known)).toEqual({ kind: 'to-login' });
  });

  it('refuses other host names (a rebound DNS name, the Service reached from another pod)', () => {
    expect(clusterVerdict(knock({ host: 'rebound.example:31234', cookie: 'tessera-ui-session=live' }), known)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(clusterVerdict(knock({ host: 'tessera-ui.tessera-system.svc', url: '/login' }), known)).toMatchObject({ kind: 'refuse', status: 403 });
  });

  it("takes sign-in forms only from its own page's origin, or from a client without one", () => {
    const post = { method: 'POST', url: '/login' };
    expect(clusterVerdict(knock({ ...post, origin: 'http://localhost:31234' }), known)).toEqual({ kind: 'login' });
    expect(clusterVerdict(knock({ ...post }), known)).toEqual({ kind: 'login' });
    expect(clusterVerdict(knock({ ...post, origin: 'http://evil.example' }), known)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(clusterVerdict(knock({ ...post, origin: 'http://localhost:9999' }), known)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(clusterVerdict(knock({ method: 'POST', url: '/api/overview' }), known)).toMatchObject({ kind: 'refuse', status: 405 });
    expect(clusterVerdict(knock({ url: '/login' }), known)).toEqual({ kind: 'login-page' });
    expect(clusterVerdict(knock({ url: '/logout' }), known)).toEqual({ kind: 'logout-page' });
  });

  it('signs out only on a POST from its own page (a link on another site cannot end a session)', () => {
    const post = { method: 'POST', url: '/logout', cookie: 'tessera-ui-session=live' };
    expect(clusterVerdict(knock({ ...post, origin: 'http://localhost:31234' }), known)).toEqual({ kind: 'logout' });
    expect(clusterVerdict(knock({ ...post, origin: 'http://evil.example' }), known)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(clusterVerdict(knock({ url: '/logout', cookie: 'tessera-ui-session=live' }), known)).toEqual({ kind: 'logout-page' });
  });

  it('reads the sign-in form: a token (Bearer prefix dropped) and namespaces', () => {
    expect(parseLogin('token=Bearer+eyJabc.def.ghi&namespaces=org-a,+org-b')).toEqual({ token: 'eyJabc.def.ghi', namespaces: ['org-a', 'org-b'] });
    expect(parseLogin('token=')).toHaveProperty('problem');
    expect(parseLogin('token=has%0Anewline')).toHaveProperty('problem');
    expect(parseLogin('token=eyJabc.def.ghi&namespaces=Not_A_Namespace')).toEqual({ problem: 'Not_A_Namespace is not a namespace name' });
  });

  it("knows a ServiceAccount token's namespace, and no one else's", () => {
    expect(namespaceOfUser('system:serviceaccount:org-b:alice')).toBe('org-b');
    expect(namespaceOfUser('alice@example.com')).toBeUndefined();
  });

  it('sets an HttpOnly SameSite=Strict session cookie and escapes what the page echoes', () => {
    expect(sessionCookie('abc')).toBe('tessera-ui-session=abc; HttpOnly; SameSite=Strict; Path=/');
    expect(loginPage('<script>')).toContain('&#60;script&#62;');
  });
});

describe('when a signed-in session ends', () => {
  const now = 1_700_000_000_000;
  const maxAgeMs = 8 * 3600_000;
  const jwt = (claims: Record<string, unknown>): string => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

  it.each([
    { name: "at a JWT's expiry, when it comes first", token: jwt({ exp: now / 1000 + 600 }), want: now + 600_000 },
    { name: 'after the longest session, when the token outlives it', token: jwt({ exp: now / 1000 + 48 * 3600 }), want: now + maxAgeMs },
    { name: 'after the longest session, for a JWT without exp', token: jwt({ sub: 'alice' }), want: now + maxAgeMs },
    { name: 'after the longest session, for an opaque token', token: 'abcdefgh12345678', want: now + maxAgeMs },
    { name: 'after the longest session, for a malformed payload', token: 'a.%%%.c', want: now + maxAgeMs },
    { name: 'at once, for a token already expired', token: jwt({ exp: now / 1000 - 5 }), want: now - 5000 },
  ])('is $name', ({ token, want }) => {
    expect(sessionExpiry(token, now, maxAgeMs)).toBe(want);
  });

  it('sends a request of an ended session to the sign-in page', () => {
    expect(clusterVerdict({ method: 'GET', host: '127.0.0.1:8765', url: '/api/overview', cookie: 'tessera-ui-session=gone', origin: undefined }, () => false)).toMatchObject({ kind: 'refuse', status: 401, signIn: '/login' });
  });
});
