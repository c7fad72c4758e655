import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from './backoff.ts';

describe('ExponentialBackoff', () => {
  it('doubles the delay per consecutive failure of a key, starting at baseMs', () => {
    const backoff = new ExponentialBackoff({ baseMs: 5, maxMs: 1000 });
    expect([1, 2, 3, 4].map(() => backoff.next('a'))).toEqual([5, 10, 20, 40]);
    expect(backoff.failures('a')).toBe(4);
  });

  it('caps the delay at maxMs, even after very many failures', () => {
    const backoff = new ExponentialBackoff({ baseMs: 5, maxMs: 1000 });
    const delays = Array.from({ length: 2000 }, () => backoff.next('a'));
    expect(delays.slice(7, 9)).toEqual([640, 1000]);
    expect(delays.at(-1)).toBe(1000);
  });

  it('keeps keys independent', () => {
    const backoff = new ExponentialBackoff({ baseMs: 1, maxMs: 100 });
    backoff.next('a');
    backoff.next('a');
    expect(backoff.next('b')).toBe(1);
    expect(backoff.failures('a')).toBe(2);
  });

  it('starts over at baseMs after forget', () => {
    const backoff = new ExponentialBackoff({ baseMs: 5, maxMs: 1000 });
    backoff.next('a');
    backoff.next('a');
    backoff.forget('a');
    expect(backoff.failures('a')).toBe(0);
    expect(backoff.next('a')).toBe(5);
  });

  it('rejects a base above the cap', () => {
    expect(() => new ExponentialBackoff({ baseMs: 10, maxMs: 5 })).toThrow(/baseMs <= maxMs/);
  });
});
