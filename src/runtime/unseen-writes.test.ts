import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { UnseenWrites } from './unseen-writes.ts';

describe('UnseenWrites', () => {
  it('says the cache is behind while it still shows the version a write started from', () => {
    const writes = new UnseenWrites(new ManualClock(0));
    writes.wrote('ns/a', '10');
    expect(writes.isBehind('ns/a', '10')).toBe(true);
    expect(writes.isBehind('ns/b', '10')).toBe(false);
  });

  it('forgets the write once the cache moved past it, so an older version later is not mistaken', () => {
    const writes = new UnseenWrites(new ManualClock(0));
    writes.wrote('ns/a', '10');
    expect(writes.isBehind('ns/a', '11')).toBe(false);
    expect(writes.isBehind('ns/a', '10')).toBe(false);
  });

  it('trusts the cache again after its patience, in case the write never shows', () => {
    const clock = new ManualClock(0);
    const writes = new UnseenWrites(clock, 1000);
    writes.wrote('ns/a', '10');
    clock.advance(999);
    expect(writes.isBehind('ns/a', '10')).toBe(true);
    clock.advance(1);
    expect(writes.isBehind('ns/a', '10')).toBe(false);
  });

  it('ignores writes without a resourceVersion and forgets on request', () => {
    const writes = new UnseenWrites(new ManualClock(0));
    writes.wrote('ns/a', undefined);
    expect(writes.isBehind('ns/a', undefined)).toBe(false);
    writes.wrote('ns/b', '3');
    writes.forget('ns/b');
    expect(writes.isBehind('ns/b', '3')).toBe(false);
  });
});
