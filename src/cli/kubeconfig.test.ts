import { describe, expect, it } from 'vitest';
import { currentTarget } from './kubeconfig.ts';

// The thin kubeconfig reader must read the current context as kubectl does, and hand anything it
// does not implement to client-node rather than connect without it.

function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}, context: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'b',
    clusters: [
      { name: 'c-other', cluster: { server: 'https://other:6443' } },
      { name: 'c', cluster: { server: 'https://api.example:6443/', 'certificate-authority': 'pki/ca.crt', ...cluster } },
    ],
    users: [{ name: 'u', user }],
    contexts: [
      { name: 'a', context: { cluster: 'c-other', user: 'u' } },
      { name: 'b', context: { cluster: 'c', user: 'u', namespace: 'team-a', ...context } },
    ],
  };
}

describe('currentTarget', () => {
  it("reads the current context's server, namespace, CA file (relative to the kubeconfig) and client certificate", () => {
    const read = currentTarget(config({ 'client-certificate-data': 'Q0VSVA==', 'client-key': '/keys/u.key' }), '/home/me/.kube/config');
    expect(read).toEqual({
      target: {
        server: 'https://api.example:6443',
        namespace: 'team-a',
        ca: { file: '/home/me/.kube/pki/ca.crt' },
        cert: { data: 'Q0VSVA==' },
        key: { file: '/keys/u.key' },
        insecureSkipTlsVerify: false,
      },
    });
  });

  it('reads a token inline or from a file, TLS settings, and an exec plugin with its env', () => {
    const inline = currentTarget(config({ token: 'abc' }, { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kubernetes' }), '/k/config');
    expect(inline).toMatchObject({ target: { token: { value: 'abc' }, insecureSkipTlsVerify: true, servername: 'kubernetes' } });
    expect(currentTarget(config({ tokenFile: 'token' }), '/k/config')).toMatchObject({ target: { token: { file: '/k/token' } } });
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token', args: ['--cluster', 'c'], env: [{ name: 'REGION', value: 'eu' }] };
    expect(currentTarget(config({ exec }), '/k/config')).toMatchObject({ target: { exec: { command: 'get-token', args: ['--cluster', 'c'], env: [{ name: 'REGION', value: 'eu' }] } } });
  });

  it.each([
    [{ 'auth-provider': { name: 'oidc' } }, {}, 'an auth-provider'],
    [{ username: 'u', password: 'p' }, {}, 'basic authentication'],
    [{ as: 'someone' }, {}, 'impersonation'],
    [{ token: 't' }, { 'proxy-url': 'socks5://proxy:1080' }, 'a proxy-url'],
  ])('leaves %j (cluster %j) to client-node: %s', (user, cluster, why) => {
    expect(currentTarget(config(user, cluster), '/k/config')).toEqual({ unsupported: why });
  });

  it('says what is missing, as an error, when the context cannot be followed', () => {
    expect(currentTarget({ contexts: [] }, '/k/config')).toEqual({ error: 'error: the kubeconfig /k/config has no current-context' });
    expect(currentTarget({ 'current-context': 'x', contexts: [] }, '/k/config')).toEqual({ error: 'error: context "x" does not exist in /k/config' });
    expect(currentTarget(config({}, {}, { cluster: 'missing' }), '/k/config')).toEqual({ error: 'error: the cluster of context "b" has no server in /k/config' });
  });
});
