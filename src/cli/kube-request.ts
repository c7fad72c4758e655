import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConnection } from './kube-connection.ts';

// One request to the API server (or to an API it aggregates, like the workstation API) as the user,
// on node:https: a CLI command makes a few, and a client library would cost more to load than they
// take. An answer that is not 2xx is thrown as it came; the caller words it (errors.ts).

/** A request: method, path (with its query) under the server, and a JSON body if any. */
export interface KubeCall {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  /** Of the body; application/json unless said (server-side apply sends application/apply-patch+yaml). */
  contentType?: string;
}

/** An HTTP answer that is not 2xx, with its status code and body (a Status, usually). */
export class HttpAnswerError extends Error {
  override readonly name = 'HttpAnswerError';
  readonly code: number;
  readonly text: string;
  constructor(code: number, text: string) {
    super(`HTTP ${code}: ${text.slice(0, 200)}`);
    this.code = code;
    this.text = text;
  }
}

/** Sends `call` through `conn`; resolves to the body's text of a 2xx answer. */
export async function kubeText(conn: KubeConnection, call: KubeCall): Promise<string> {
  const url = new URL(`${conn.server}${call.path}`);
  const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
  const options = await conn.requestOptions();
  const headers = {
    ...(options.headers as Record<string, string> | undefined),
    accept: 'application/json',
    ...(payload ? { 'content-type': call.contentType ?? 'application/json', 'content-length': String(payload.length) } : {}),
  };
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const [code, text] = await new Promise<[number, string]>((resolve, reject) => {
    const req = send(url, { ...options, method: call.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
  if (code < 200 || code >= 300) throw new HttpAnswerError(code, text);
  return text;
}

/** Sends `call` through `conn`; resolves to the parsed JSON of a 2xx answer. */
export async function kubeJson<T>(conn: KubeConnection, call: KubeCall): Promise<T> {
  return JSON.parse(await kubeText(conn, call)) as T;
}
