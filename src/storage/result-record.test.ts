import { describe, expect, it } from 'vitest';
import { resultSigningKey, signResult, verifyResult, type ResultRecord } from './result-record.ts';

const key = resultSigningKey('operator-secret');
const record: ResultRecord = {
  outputs: [{ name: 'model', digest: `sha256:${'a'.repeat(64)}`, files: 2, bytes: 10 }],
  metrics: { accuracy: 0.9 },
};

describe('signed result records', () => {
  it('verifies a record signed for the same pod', () => {
    expect(verifyResult(key, 'pod-1', signResult(key, 'pod-1', record))).toEqual(record);
  });

  it.each([
    { name: 'absent', value: undefined },
    { name: 'not JSON', value: '{' },
    { name: 'no signature', value: JSON.stringify(record) },
    { name: 'signed for another pod', value: signResult(key, 'pod-2', record) },
    { name: 'signed with another key', value: signResult(resultSigningKey('other'), 'pod-1', record) },
    {
      name: 'digest swapped after signing',
      value: signResult(key, 'pod-1', record).replace('a'.repeat(64), 'b'.repeat(64)),
    },
  ])('rejects a record that is $name', ({ value }) => {
    expect(verifyResult(key, 'pod-1', value)).toBeUndefined();
  });

  it('treats missing metrics and empty metrics alike', () => {
    const bare = { outputs: record.outputs };
    expect(verifyResult(key, 'p', signResult(key, 'p', bare))).toEqual(bare);
  });
});
