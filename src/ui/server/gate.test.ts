import { describe, expect, it } from 'vitest';
import { admit, cookieName, cookieValue, isOwnHost, isSecret, sessionToken, type Knock } from './gate.ts';

// The dashboard's door: its own loopback name only, and this run's secret, first from the printed
// URL (exchanged for a cookie no script or other site can use), then from the cookie.
describe('the dashboard gate', () => {
  const secret = sessionToken();
  const gate = { port: 8765, secret };
  const knock = (over: Partial<Knock>): Knock => ({ method: 'GET', host: '127.0.0.1:8765', url: '/api/overview', cookie: undefined, ...over });

  it('makes a different, URL-safe secret of 32 random bytes each run', () => {
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessionToken()).not.toBe(secret);
  });

  it('refuses an API request without the secret (401), with a wrong one, and with a cookie of another port', () => {
    expect(admit(knock({}), gate)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(admit(knock({ url: '/' }), gate)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(admit(knock({ url: '/api/events' }), gate)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(admit(knock({ cookie: `${cookieName(8765)}=${secret.slice(1)}x` }), gate)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(admit(knock({ cookie: `${cookieName(9999)}=${secret}` }), gate)).toMatchObject({ kind: 'refuse', status: 401 });
    expect(admit(knock({ url: '/?token=guess' }), gate)).toMatchObject({ kind: 'refuse', status: 401 });
  });

  it('exchanges the printed token for an HttpOnly SameSite=Strict cookie and drops it from the address', () => {
    const verdict = admit(knock({ url: `/?token=${secret}` }), gate);
    expect(verdict).toEqual({ kind: 'enter', location: '/', setCookie: `tessera-ui-8765=${secret}; HttpOnly; SameSite=Strict; Path=/` });
    expect(admit(knock({ url: `/app.js?x=1&token=${secret}` }), gate)).toMatchObject({ kind: 'enter', location: '/app.js?x=1' });
  });

  it('lets the cookie through, among others', () => {
    expect(admit(knock({ cookie: `other=1; ${cookieName(8765)}=${secret}; more=2` }), gate)).toEqual({ kind: 'pass' });
    expect(admit(knock({ host: 'localhost:8765', cookie: `${cookieName(8765)}=${secret}` }), gate)).toEqual({ kind: 'pass' });
  });

  it('refuses a rebound host name or another port before looking at the secret, and anything but GET', () => {
    const cookie = `${cookieName(8765)}=${secret}`;
    expect(admit(knock({ host: 'evil.example:8765', cookie }), gate)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(admit(knock({ host: '127.0.0.1:8766', cookie }), gate)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(admit(knock({ host: undefined, cookie }), gate)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(admit(knock({ host: 'evil.example:8765', url: `/?token=${secret}` }), gate)).toMatchObject({ kind: 'refuse', status: 403 });
    expect(admit(knock({ method: 'POST', cookie }), gate)).toMatchObject({ kind: 'refuse', status: 405 });
  });

  it('knows its loopback names, on one port or (behind a port-forward) any', () => {
    expect(isOwnHost('[::1]:8765', 8765)).toBe(true);
    expect(isOwnHost('localhost:31000', 'any')).toBe(true);
    expect(isOwnHost('127.0.0.1.evil.example:8765', 'any')).toBe(false);
    expect(isOwnHost('localhost', 'any')).toBe(false);
  });

  it('reads cookies and compares secrets exactly', () => {
    expect(cookieValue('a=1; b = 2', 'b')).toBe('2');
    expect(cookieValue('ab=1', 'b')).toBeUndefined();
    expect(cookieValue(undefined, 'b')).toBeUndefined();
    expect(isSecret('abc', 'abc')).toBe(true);
    expect(isSecret('abcd', 'abc')).toBe(false);
    expect(isSecret(undefined, 'abc')).toBe(false);
  });
});
