// An upload session: what the operator told a run to upload for one output, signed so the commit
// can trust it without the operator remembering anything (restart-safe, any replica). At commit a
// blob the run cannot otherwise prove it holds must have been last written by one of the session's
// PUTs, which are bound to each blob's SHA-256 and size and leave the session's tag on the object
// (storage/session-put.ts): knowing a digest is never enough to be granted its bytes, however close
// in time another tenant stored them. Pure, except for the key.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** What a session vouches for. */
export interface UploadSession {
  namespace: string;
  podUid: string;
  output: string;
  manifestDigest: string;
  /** Milliseconds since the epoch, the operator's clock. */
  issuedAt: number;
}

const sessionSchema = z.object({
  namespace: z.string(),
  podUid: z.string(),
  output: z.string(),
  manifestDigest: z.string(),
  issuedAt: z.int().min(0),
});

/** A session is honoured this long: longer than any upload, short enough to bound a stolen one. */
export const sessionLifetimeMs = 24 * 60 * 60 * 1000;

/** Clock skew tolerated between operator replicas: a session issued this far ahead of `now` is honoured. */
export const issuedAtSkewMs = 2_000;

function sessionKey(key: Buffer): Buffer {
  return createHmac('sha256', key).update('tessera.dev/upload-session/v1').digest();
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', sessionKey(key)).update(payload).digest('base64url');
}

/** The session as a token: base64url JSON, a dot, and its HMAC under the first key. */
export function signSession(keys: readonly Buffer[], session: UploadSession): string {
  const [key] = keys;
  if (!key) throw new Error('no signing key');
  const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

/**
 * The session a token carries, if any key signed it and it has not expired at `now`; undefined
 * otherwise (absent, malformed, forged, expired).
 */
export function verifySession(keys: readonly Buffer[], token: string | undefined, now: number): UploadSession | undefined {
  const [payload, sig, extra] = (token ?? '').split('.');
  if (!payload || !sig || extra !== undefined) return undefined;
  const given = Buffer.from(sig, 'base64url');
  const signed = keys.some((key) => {
    const expected = Buffer.from(mac(key, payload), 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!signed) return undefined;
  let session: UploadSession;
  try {
    session = sessionSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
  return now - session.issuedAt <= sessionLifetimeMs && session.issuedAt <= now + issuedAtSkewMs ? session : undefined;
}
