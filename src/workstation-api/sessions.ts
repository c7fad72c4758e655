// Upload sessions, carried by the client rather than stored: the operator signs what it handed out
// (namespace, target, manifest, base file sets, when), so any replica can check a commit against it,
// and a restart loses nothing. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from './errors.ts';

/** What an upload session promised. */
export const uploadSessionSchema = z.object({
  namespace: z.string(),
  kind: z.enum(['Dataset', 'Algo']),
  name: z.string(),
  manifestDigest: z.string(),
  base: z.array(z.string()),
  issuedAtMs: z.number(),
});

/** A session as signed into its token. */
export type UploadSession = z.infer<typeof uploadSessionSchema>;

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(`tessera upload session\n${payload}`).digest();
}

/** The token for `session`: its JSON and an HMAC of it, both base64url. */
export function signSession(key: Buffer, session: UploadSession): string {
  const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The session a token carries, if the signature holds and it is younger than maxAgeMs; else a 400. */
export function verifySession(key: Buffer, token: string, opts: { nowMs: number; maxAgeMs: number }): UploadSession {
  const [payload = '', signature = ''] = token.split('.');
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApiError('BadRequest', 'the upload session is not one this operator issued');
  const parsed = uploadSessionSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  if (!parsed.success) throw new ApiError('BadRequest', 'the upload session is malformed');
  if (opts.nowMs - parsed.data.issuedAtMs > opts.maxAgeMs) throw new ApiError('BadRequest', 'the upload session has expired; push again');
  return parsed.data;
}
