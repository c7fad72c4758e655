import { describe, expect, it } from 'vitest';
import { storeOptionsOf } from './file-sets.ts';
import { operatorDefaults, parseOperatorOptions, type OperatorOptions } from './options.ts';

// How flags and environment become the operator's object-store settings.

const store = { s3Endpoint: 'https://s3.eu-west-3.amazonaws.com', resultSigningKeysFile: '/keys' };

function parse(raw: Record<string, unknown>): OperatorOptions {
  return parseOperatorOptions({ ...operatorDefaults, ...store, ...raw });
}

describe('object store options', () => {
  it('takes no keys at all: the SDK default chain (IRSA, EKS Pod Identity, instance roles)', () => {
    const options = parse({});
    const resolved = storeOptionsOf({ ...options, s3Endpoint: store.s3Endpoint }, undefined);
    expect(resolved).toMatchObject({ endpoint: store.s3Endpoint, accessKeyId: undefined, secretAccessKey: undefined });
  });

  it('refuses one key without the other, naming both flags', () => {
    expect(() => parse({ s3AccessKey: 'ak' })).toThrow(/--s3-access-key: give both --s3-access-key and --s3-secret-key/);
    expect(() => parse({ s3SecretKey: 'sk' })).toThrow(/or neither for the default credential chain/);
  });

  it('is path-style, with required checksums, by default; the environment turns each off', () => {
    expect(parse({})).toMatchObject({ s3ForcePathStyle: true, s3ChecksumMode: 'required' });
    expect(parse({ s3ForcePathStyle: 'false', s3ChecksumMode: 'off' })).toMatchObject({ s3ForcePathStyle: false, s3ChecksumMode: 'off' });
  });

  it('refuses a checksum mode it does not know, and a path style that is not a boolean', () => {
    expect(() => parse({ s3ChecksumMode: 'sometimes' })).toThrow(/--s3-checksum-mode/);
    expect(() => parse({ s3ForcePathStyle: 'yes' })).toThrow(/--s3-force-path-style/);
  });

  it('hands the store every setting, the CA bundle included', () => {
    const options = parse({ s3AccessKey: 'ak', s3SecretKey: 'sk', s3Region: 'eu-west-3', s3ForcePathStyle: 'false', s3ChecksumMode: 'off' });
    expect(storeOptionsOf({ ...options, s3Endpoint: store.s3Endpoint }, 'PEM')).toEqual({
      endpoint: store.s3Endpoint,
      region: 'eu-west-3',
      bucket: 'tessera',
      accessKeyId: 'ak',
      secretAccessKey: 'sk',
      caBundle: 'PEM',
      forcePathStyle: false,
      checksumMode: 'off',
    });
  });
});
