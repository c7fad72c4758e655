import { describe, expect, it } from 'vitest';
import { resultSigningKey } from '../../storage/result-record.ts';
import { issuedAtSkewMs, sessionLifetimeMs, signSession, verifySession, type UploadSession } from './upload-session.ts';

const key = resultSigningKey('k'.repeat(32));
const session: UploadSession = { namespace: 'team-a', podUid: 'pod-1', output: 'model', manifestDigest: `sha256:${'a'.repeat(64)}`, issuedAt: 1_000_000 };
const token = signSession([key], session);

describe('upload sessions', () => {
  it('verifies a session signed by any key of the ring while it lasts', () => {
    expect(verifySession([key], token, session.issuedAt + 5)).toEqual(session);
    expect(verifySession([resultSigningKey('n'.repeat(32)), key], token, session.issuedAt + 5)).toEqual(session);
  });

  it.each([
    { name: 'absent', value: undefined, now: session.issuedAt },
    { name: 'malformed', value: 'abc', now: session.issuedAt },
    { name: 'signed with another key', value: signSession([resultSigningKey('x'.repeat(32))], session), now: session.issuedAt },
    { name: 'with its payload changed', value: `${Buffer.from(JSON.stringify({ ...session, namespace: 'team-b' })).toString('base64url')}.${token.split('.')[1]}`, now: session.issuedAt },
    { name: 'expired', value: token, now: session.issuedAt + sessionLifetimeMs + 1 },
    { name: 'issued in the future', value: token, now: session.issuedAt - issuedAtSkewMs - 1 },
  ])('refuses a session that is $name', ({ value, now }) => {
    expect(verifySession([key], value, now)).toBeUndefined();
  });
});
