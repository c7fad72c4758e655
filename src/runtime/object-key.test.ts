import { describe, expect, it } from 'vitest';
import { keyOf, parseKey } from './object-key.ts';

describe('object keys', () => {
  it.each([
    { obj: { metadata: { namespace: 'team-a', name: 'train' } }, key: 'team-a/train', parsed: { namespace: 'team-a', name: 'train' } },
    { obj: { metadata: { name: 'cluster-wide' } }, key: 'cluster-wide', parsed: { namespace: '', name: 'cluster-wide' } },
  ])('$key round-trips', ({ obj, key, parsed }) => {
    expect(keyOf(obj)).toBe(key);
    expect(parseKey(key)).toEqual(parsed);
  });
});
