import type * as k8s from '@kubernetes/client-node';
import https from 'node:https';

// POSTs to a Service through the API server's service proxy, as `tessera predict` does, but from
// this process over one kept-alive connection: a thousand requests measure the Predictor and the
// proxy, not a CLI's start-up. The caller's credentials (a member's token) and RBAC apply.

/** One answer: the HTTP status, the parsed body (or the raw text), and how long it took. */
export interface ProxyAnswer {
  status: number;
  body: unknown;
  ms: number;
}

export type ProxyPost = (body: unknown) => Promise<ProxyAnswer>;

/** A function POSTing JSON to `path` of Service `service:port` in `namespace`, as `config`'s user. */
export async function servicePost(config: k8s.KubeConfig, target: { namespace: string; service: string; port: number; path: string }): Promise<ProxyPost> {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${server}/api/v1/namespaces/${target.namespace}/services/${target.service}:${target.port}/proxy${target.path}`);
  const options: https.RequestOptions = { method: 'POST', agent: new https.Agent({ keepAlive: true, maxSockets: 1 }) };
  await config.applyToHTTPSOptions(options);
  return (body) =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const started = performance.now();
      const headers = { ...(options.headers as Record<string, string>), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) };
      const request = https.request(url, { ...options, headers, timeout: 10_000 }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: parsed(text), ms: performance.now() - started }));
      });
      request.on('timeout', () => request.destroy(new Error('timed out after 10 s')));
      request.on('error', reject);
      request.end(data);
    });
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
