// The mover's client of the operator's transfer API. The token is re-read from its file for every
// call: the kubelet rotates projected tokens in place.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import {
  commitResponseSchema,
  downloadResponseSchema,
  indexListSchema,
  runPlanSchema,
  renewResponseSchema,
  uploadResponseSchema,
  type CommitResponse,
  type DownloadResponse,
  type IndexList,
  type RunPlan,
  type UploadResponse,
} from './protocol.ts';
import type { Manifest } from '../storage/manifest.ts';
import { HttpError, requestJson, type RetryPolicy } from './http.ts';

/** Where the transfer API is and how to prove who we are. */
export interface TransferClientOptions {
  /** e.g. http://10.200.0.1:8090 */
  server: string;
  tokenFile: string;
  retry?: RetryPolicy;
}

/** The transfer API's operations, typed. */
export interface TransferClient {
  run(): Promise<RunPlan>;
  download(digest: string): Promise<DownloadResponse>;
  upload(output: string, manifestDigest: string, blobs: ReadonlyArray<{ digest: string; size: number }>): Promise<UploadResponse>;
  /** Says the upload of `session` is still sending: renews the lease that keeps its blobs from collection. */
  renew(session: string): Promise<unknown>;
  /** Commits each output's manifest with the upload session its blobs went through. */
  commit(outputs: ReadonlyArray<{ name: string; manifest: Manifest; session?: string }>): Promise<CommitResponse>;
  indexList(): Promise<IndexList>;
  indexCommit(entries: ReadonlyArray<{ path: string; digest: string; size: number }>): Promise<CommitResponse>;
}

/** The `{reason, message}` of a refused transfer call, when the operator sent one. */
export function refusalReason(error: unknown): string | undefined {
  if (error instanceof TransferRefusedError) return error.reason;
  if (!(error instanceof HttpError)) return undefined;
  try {
    return (JSON.parse(error.body) as { reason?: string }).reason;
  } catch {
    return undefined;
  }
}

/** A final refusal by the transfer API, with its reason and message as the operator sent them. */
export class TransferRefusedError extends Error {
  override readonly name = 'TransferRefusedError';
  readonly reason: string;
  constructor(route: string, reason: string, message: string, options?: ErrorOptions) {
    super(`the transfer API refused ${route}: ${reason}: ${message}`, options);
    this.reason = reason;
  }
}

/** The operator's own words for a final answer, when it sent `{reason, message}`; the error as it was otherwise. */
function refusalOf(route: string, error: unknown): unknown {
  if (!(error instanceof HttpError)) return error;
  try {
    const { reason, message } = JSON.parse(error.body) as { reason?: unknown; message?: unknown };
    return typeof reason === 'string' && typeof message === 'string' ? new TransferRefusedError(route, reason, message, { cause: error }) : error;
  } catch {
    return error;
  }
}

/** A client of the transfer API at `opts.server`. */
export function transferClient(opts: TransferClientOptions): TransferClient {
  const call = async <T>(schema: z.ZodType<T>, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const token = (await readFile(opts.tokenFile, 'utf8')).trim();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    const answer = await requestJson({ method, url: new URL(path, opts.server).toString(), headers, body: payload && (() => payload) }, opts.retry).catch((error: unknown) => {
      throw refusalOf(`${method} ${path}`, error);
    });
    return schema.parse(answer);
  };
  return {
    run: () => call(runPlanSchema, 'GET', '/v1/run'),
    download: (digest) => call(downloadResponseSchema, 'POST', '/v1/download', { digest }),
    upload: (output, manifestDigest, blobs) => call(uploadResponseSchema, 'POST', '/v1/upload', { output, manifestDigest, blobs }),
    renew: (session) => call(renewResponseSchema, 'POST', '/v1/upload/renew', { session }),
    commit: (outputs) => call(commitResponseSchema, 'POST', '/v1/commit', { outputs }),
    indexList: () => call(indexListSchema, 'POST', '/v1/index/list', {}),
    indexCommit: (entries) => call(commitResponseSchema, 'POST', '/v1/index/commit', { entries }),
  };
}
