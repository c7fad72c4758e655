import { describe, expect, it } from 'vitest';
import { callerOf, type FrontProxySettings } from './front-proxy.ts';

const settings: FrontProxySettings = {
  allowedNames: ['front-proxy-client'],
  usernameHeaders: ['X-Remote-User'],
  groupHeaders: ['X-Remote-Group'],
  extraHeaderPrefixes: ['X-Remote-Extra-'],
};
const proxy = { verified: true, commonName: 'front-proxy-client' };

describe('the caller behind the front proxy', () => {
  it('is read from the headers on the front proxy’s connection', () => {
    const headers = { 'x-remote-user': ['alice'], 'x-remote-group': ['hospital-a', 'system:authenticated'], 'x-remote-extra-scopes%2fone': ['x'] };
    expect(callerOf(proxy, headers, settings)).toEqual({ user: 'alice', groups: ['hospital-a', 'system:authenticated'], extra: { 'scopes/one': ['x'] } });
  });

  it('is refused on any other connection, whatever the headers say', () => {
    const headers = { 'x-remote-user': ['system:admin'], 'x-remote-group': ['system:masters'] };
    expect(() => callerOf({ verified: false }, headers, settings)).toThrow(/through the Kubernetes API server only/);
    expect(() => callerOf({ verified: true, commonName: 'someone-else' }, headers, settings)).toThrow(/not allowed/);
  });

  it('is refused when the proxy names no user', () => {
    expect(() => callerOf(proxy, {}, settings)).toThrow(/no user/);
  });
});
