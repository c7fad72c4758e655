import { describe, expect, it } from 'vitest';
import { signSession, verifySession, type UploadSession } from './sessions.ts';

const key = Buffer.alloc(32, 7);
const session: UploadSession = { namespace: 'hospital-a', kind: 'Dataset', name: 'scans', manifestDigest: `sha256:${'a'.repeat(64)}`, base: [], issuedAtMs: 1_000_000 };

describe('upload sessions', () => {
  it('verify what they were signed with', () => {
    expect(verifySession(key, signSession(key, session), { nowMs: 1_000_500, maxAgeMs: 3_600_000 })).toEqual(session);
  });

  it('refuse a token whose content was changed, or signed with another key', () => {
    const token = signSession(key, session);
    const [payload = '', mac = ''] = token.split('.');
    const moved = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('hospital-a', 'hospital-b')).toString('base64url');
    expect(() => verifySession(key, `${moved}.${mac}`, { nowMs: 1_000_500, maxAgeMs: 3_600_000 })).toThrow(/not one this operator issued/);
    expect(() => verifySession(Buffer.alloc(32, 8), token, { nowMs: 1_000_500, maxAgeMs: 3_600_000 })).toThrow(/not one this operator issued/);
    expect(() => verifySession(key, 'garbage', { nowMs: 1_000_500, maxAgeMs: 3_600_000 })).toThrow(/not one this operator issued/);
  });

  it('expire', () => {
    expect(() => verifySession(key, signSession(key, session), { nowMs: 1_000_000 + 3_600_001, maxAgeMs: 3_600_000 })).toThrow(/expired/);
  });
});
