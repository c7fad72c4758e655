import { describe, expect, it } from 'vitest';
import { parseSigningKeys, resultSigningKey, signResult, verifyResult, type ResultRecord } from './result-record.ts';

const keys = [resultSigningKey('operator-secret')];
const record: ResultRecord = {
  outputs: [{ name: 'model', digest: `sha256:${'a'.repeat(64)}`, files: 2, bytes: 10 }],
  metrics: { accuracy: 0.9 },
};

describe('signed result records', () => {
  it('verifies a record signed for the same pod', () => {
    expect(verifyResult(keys, 'pod-1', signResult(keys, 'pod-1', record))).toEqual(record);
  });

  it.each([
    { name: 'absent', value: undefined },
    { name: 'not JSON', value: '{' },
    { name: 'no signature', value: JSON.stringify(record) },
    { name: 'signed for another pod', value: signResult(keys, 'pod-2', record) },
    { name: 'signed with another key', value: signResult([resultSigningKey('other')], 'pod-1', record) },
    {
      name: 'digest swapped after signing',
      value: signResult(keys, 'pod-1', record).replace('a'.repeat(64), 'b'.repeat(64)),
    },
  ])('rejects a record that is $name', ({ value }) => {
    expect(verifyResult(keys, 'pod-1', value)).toBeUndefined();
  });

  it('treats missing metrics and empty metrics alike', () => {
    const bare = { outputs: record.outputs };
    expect(verifyResult(keys, 'p', signResult(keys, 'p', bare))).toEqual(bare);
  });

  it('still verifies a record signed before a rotation, and signs with the new key after it', () => {
    const [oldKey, newKey] = [resultSigningKey('old'), resultSigningKey('new')];
    const signedBefore = signResult([oldKey], 'pod-1', record);
    expect(verifyResult([newKey, oldKey], 'pod-1', signedBefore)).toEqual(record);
    expect(verifyResult([newKey], 'pod-1', signResult([newKey, oldKey], 'pod-1', record))).toEqual(record);
    expect(verifyResult([newKey], 'pod-1', signedBefore)).toBeUndefined();
  });
});

describe('parseSigningKeys', () => {
  const secret = (c: string): string => c.repeat(32);
  it('reads one key per line, current first, skipping blanks and comments', () => {
    expect(parseSigningKeys(`# rotated 2026-12-01\n${secret('n')}\n\n${secret('o')}\n`)).toEqual([resultSigningKey(secret('n')), resultSigningKey(secret('o'))]);
  });

  it.each([
    { name: 'an empty file', text: '\n# nothing\n', want: /holds no key/ },
    { name: 'a short key', text: `${secret('n')}\nshort`, want: /signing key 2 is shorter than 32/ },
  ])('refuses $name', ({ text, want }) => {
    expect(() => parseSigningKeys(text)).toThrow(want);
  });
});
