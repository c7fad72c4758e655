import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiServerInPod, userConfig } from './cluster-door.ts';

// In a pod the dashboard knows the API server and its CA, and reads with nothing but the token a
// person signed in with.
describe('the in-cluster dashboard reads as the signed-in person', () => {
  it("finds the API server from the pod's environment (IPv6 in brackets), and says when it is not in a pod", () => {
    expect(apiServerInPod('/ca.crt', { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' })).toEqual({ server: 'https://10.96.0.1:443', caFile: '/ca.crt' });
    expect(apiServerInPod('/ca.crt', { KUBERNETES_SERVICE_HOST: 'fd00::1' }).server).toBe('https://[fd00::1]:443');
    expect(() => apiServerInPod('/ca.crt', {})).toThrow(/--api-server/);
  });

  it('makes a client configuration holding only the token, verifying the API server against the CA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-ui-ca-'));
    try {
      await writeFile(join(dir, 'ca.crt'), 'PEM');
      const kc = userConfig({ server: 'https://10.96.0.1:443', caFile: join(dir, 'ca.crt') }, 'the-token');
      expect(kc.getCurrentUser()).toEqual({ name: 'user', token: 'the-token' });
      expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.96.0.1:443', caData: Buffer.from('PEM').toString('base64'), skipTLSVerify: false });
      expect(kc.getUsers()).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
