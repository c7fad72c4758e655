// The CLI's client of the workstation API (files.tessera.dev), reached through the cluster's API
// server with whatever credentials kubectl would use (client certificates, tokens, exec plugins;
// OIDC and other auth-provider plugins through client-node: kube-connection.ts), so RBAC decides what
// a user may push and pull.
import type { KubeConfig } from '@kubernetes/client-node';
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
import { kubeConfigConnection, type KubeConnection } from './kube-connection.ts';
import { HttpAnswerError, kubeText } from './kube-request.ts';

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

async function call<T>(conn: KubeConnection, { schema, method, path, body }: Call<T>): Promise<T> {
  try {
    return schema.parse(JSON.parse(await kubeText(conn, { method, path: `/apis/${filesGroupVersion}/${path}`, body })));
  } catch (error) {
    if (error instanceof HttpAnswerError) throw refusal(error.code, error.text);
    throw error;
  }
}

/** A client of files.tessera.dev through the kubeconfig's cluster and credentials (a loaded KubeConfig will do). */
export function filesApi(target: KubeConnection | KubeConfig): FilesApi {
  const conn = 'requestOptions' in target ? target : kubeConfigConnection(target);
  return {
    upload: (namespace, body) => call(conn, { schema: uploadResponseSchema, method: 'POST', path: `namespaces/${namespace}/uploads`, body }),
    renew: (namespace, session) => call(conn, { schema: uploadResponseSchema, method: 'POST', path: `namespaces/${namespace}/uploads`, body: { session } }),
    commit: (namespace, body) => call(conn, { schema: commitResponseSchema, method: 'POST', path: `namespaces/${namespace}/commits`, body }),
    fileSet: (namespace, digest) => call(conn, { schema: downloadResponseSchema, method: 'GET', path: `namespaces/${namespace}/filesets/${digest}` }),
    collect: (body) => call(conn, { schema: collectResponseSchema, method: 'POST', path: 'garbagecollections', body }),
  };
}
