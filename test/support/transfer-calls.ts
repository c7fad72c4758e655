import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { clusterEnv } from './cluster-env.ts';

// Direct access to what pods and the operator share: the transfer API called as a pod would (or as
// an attacker holding some token would), and the object store with the platform's admin keys.

/** One answer of the transfer API: its HTTP status and JSON body (`{reason, message}` on refusal). */
export interface TransferAnswer {
  status: number;
  body: { reason?: string; message?: string } & Record<string, unknown>;
}

/**
 * Calls `route` (e.g. `POST /v1/download`) of the transfer API at `transferUrl` with `token` as the
 * bearer token, or with no Authorization header when `token` is undefined.
 */
export async function callTransfer(transferUrl: string, route: string, token: string | undefined, body?: unknown): Promise<TransferAnswer> {
  const [method = 'GET', path = '/'] = route.split(' ');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, transferUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as TransferAnswer['body']) : {} };
}

/** The bucket the operator and the CLI keep file sets in (their default). */
export const fileSetBucket = 'tessera';

/** An S3 client with the local MinIO's admin keys; destroy() it when done. */
export function adminS3(): S3Client {
  const env = clusterEnv();
  return new S3Client({
    endpoint: env.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey },
  });
}

/** Overwrites the object `key` in the file-set bucket with `bytes`, behind every checksum's back. */
export async function overwriteObject(client: S3Client, key: string, bytes: Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: fileSetBucket, Key: key, Body: bytes, ContentLength: bytes.length }));
}

/** The bytes of the object `key` in the file-set bucket. */
export async function readObject(client: S3Client, key: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: fileSetBucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

/** Whether the object `key` exists in the file-set bucket. */
export async function objectExists(client: S3Client, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: fileSetBucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return false;
    throw error;
  }
}

/** The operator's resident memory, from its /metrics. */
export async function operatorRssBytes(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes '));
  if (!line) throw new Error(`no process_resident_memory_bytes at ${metricsUrl}/metrics`);
  return Number(line.split(' ')[1]);
}
