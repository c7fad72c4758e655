import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createBucketInput, s3ClientConfig, staticCredentials, trustedCas } from './s3-client-config.ts';

const base = { endpoint: 'https://s3.example.com', region: 'eu-west-3', bucket: 'tessera' };
const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('staticCredentials', () => {
  it('uses the keys when both are given', () => {
    expect(staticCredentials({ accessKeyId: 'ak', secretAccessKey: 'sk' })).toEqual({ accessKeyId: 'ak', secretAccessKey: 'sk' });
  });

  it("leaves the SDK's default chain (IRSA, Pod Identity, instance roles) when neither is", () => {
    expect(staticCredentials({})).toBeUndefined();
    expect(s3ClientConfig(base)).not.toHaveProperty('credentials');
  });

  it.each([{ accessKeyId: 'ak' }, { secretAccessKey: 'sk' }])('refuses half a key pair (%o) rather than fall back silently', (half) => {
    expect(() => staticCredentials(half)).toThrow(/both an access key and a secret key, or neither/);
  });
});

describe('trustedCas', () => {
  it("is Node's defaults without a bundle", () => {
    expect(trustedCas(undefined)).toBeUndefined();
    expect(trustedCas('  \n')).toBeUndefined();
  });

  it('adds the bundle to the system CAs, never replacing them', () => {
    const cas = trustedCas(pem)!;
    expect(cas).toHaveLength(rootCertificates.length + 1);
    expect(cas.at(-1)).toBe(pem.trim());
  });

  it('reaches the https agent of the client, and only that one', () => {
    const handler = s3ClientConfig({ ...base, caBundle: pem }).requestHandler as { httpsAgent: { ca?: string[] }; httpAgent: { ca?: string[] } };
    expect(handler.httpsAgent.ca).toContain(pem.trim());
    expect(handler.httpAgent.ca).toBeUndefined();
    const plain = s3ClientConfig(base).requestHandler as { httpsAgent: { ca?: string[] } };
    expect(plain.httpsAgent.ca).toBeUndefined();
  });
});

describe('s3ClientConfig', () => {
  it('is path-style unless told otherwise', () => {
    expect(s3ClientConfig(base).forcePathStyle).toBe(true);
    expect(s3ClientConfig({ ...base, forcePathStyle: false }).forcePathStyle).toBe(false);
  });

  it('computes request checksums only where S3 requires them, in every mode', () => {
    for (const checksumMode of ['required', 'off'] as const) {
      expect(s3ClientConfig({ ...base, checksumMode })).toMatchObject({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    }
  });
});

describe('createBucketInput', () => {
  it('names no location in us-east-1, which AWS refuses as a LocationConstraint', () => {
    expect(createBucketInput('b', 'us-east-1')).toEqual({ Bucket: 'b' });
  });

  it.each(['eu-west-3', 'ap-southeast-2', 'garage'])('names the region %s, without which AWS refuses the request', (region) => {
    expect(createBucketInput('b', region)).toEqual({ Bucket: 'b', CreateBucketConfiguration: { LocationConstraint: region } });
  });
});
