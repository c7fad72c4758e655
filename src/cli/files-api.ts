// The CLI's client of the workstation API (files.tessera.dev), reached through the cluster's API
// server with whatever credentials kubectl would use (client certificates, tokens, OIDC, exec
// plugins: client-node applies them), so RBAC decides what a user may push and pull.
import { request } from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import type { z } from 'zod';
import { downloadResponseSchema, type DownloadResponse } from '../transfer/protocol.ts';
import {
  collectResponseSchema,
  commitResponseSchema,
  filesGroupVersion,
  uploadResponseSchema,
  type CollectResponse,
  type CommitResponse,
  type UploadRequest,
  type UploadResponse,
} from '../workstation-api/protocol.ts';

/** A refusal from the API server or the workstation API, worded as kubectl words it. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(`Error from server (${reason}): ${message}`);
    this.code = code;
    this.reason = reason;
  }
}

/** The workstation API's operations, typed. */
export interface FilesApi {
  upload(namespace: string, body: UploadRequest): Promise<UploadResponse>;
  /** Says the push of `session` is still sending: renews the lease that keeps its blobs from collection. */
  renew(namespace: string, session: string): Promise<UploadResponse>;
  commit(namespace: string, body: { session: string; manifest: unknown }): Promise<CommitResponse>;
  fileSet(namespace: string, digest: string): Promise<DownloadResponse>;
  collect(body: { graceSeconds?: number; dryRun?: boolean }): Promise<CollectResponse>;
}

const notServed =
  'the cluster does not serve files.tessera.dev/v1alpha1: is Tessera installed with its workstation API (kubectl get apiservice v1alpha1.files.tessera.dev)?';

function refusal(code: number, text: string): ServerError {
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    if (code === 404 && status.message === 'the server could not find the requested resource') return new ServerError(code, 'NotFound', notServed);
    if (status.message) return new ServerError(code, status.reason ?? String(code), status.message);
  } catch {
    // Not a Status: the aggregation layer's own plain-text answers (503 while the operator is away).
  }
  if (code === 404) return new ServerError(code, 'NotFound', notServed);
  if (code === 503) return new ServerError(code, 'ServiceUnavailable', `the workstation API is unavailable: ${text.trim().slice(0, 200)} (is the Tessera operator running?)`);
  return new ServerError(code, String(code), text.trim().slice(0, 500));
}

interface Call<T> {
  schema: z.ZodType<T>;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

async function call<T>(kc: k8s.KubeConfig, { schema, method, path, body }: Call<T>): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${cluster.server.replace(/\/$/, '')}/apis/${filesGroupVersion}/${path}`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const options: Parameters<k8s.KubeConfig['applyToHTTPSOptions']>[0] = {
    method,
    headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
  };
  await kc.applyToHTTPSOptions(options);
  const [code, text] = await new Promise<[number, string]>((resolve, reject) => {
    const req = request(url, options as Parameters<typeof request>[1], (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
  if (code < 200 || code >= 300) throw refusal(code, text);
  return schema.parse(JSON.parse(text));
}

/** A client of files.tessera.dev through the kubeconfig's cluster and credentials. */
export function filesApi(kc: k8s.KubeConfig): FilesApi {
  return {
    upload: (namespace, body) => call(kc, { schema: uploadResponseSchema, method: 'POST', path: `namespaces/${namespace}/uploads`, body }),
    renew: (namespace, session) => call(kc, { schema: uploadResponseSchema, method: 'POST', path: `namespaces/${namespace}/uploads`, body: { session } }),
    commit: (namespace, body) => call(kc, { schema: commitResponseSchema, method: 'POST', path: `namespaces/${namespace}/commits`, body }),
    fileSet: (namespace, digest) => call(kc, { schema: downloadResponseSchema, method: 'GET', path: `namespaces/${namespace}/filesets/${digest}` }),
    collect: (body) => call(kc, { schema: collectResponseSchema, method: 'POST', path: 'garbagecollections', body }),
  };
}
