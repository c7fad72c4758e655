import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { RequestAdmission, type Admission } from './admission.ts';

const limits = { perSourceQps: 10, perSourceBurst: 3, maxInFlight: 4, maxSources: 2 };
const admitted = (a: Admission): boolean => a.admitted;

describe('RequestAdmission', () => {
  it("throttles each source to its own rate, leaving other sources' budgets alone", () => {
    const clock = new ManualClock(0);
    const admission = new RequestAdmission(limits, clock);
    const flood = Array.from({ length: 5 }, () => admission.admit('10.0.0.66'));
    expect(flood.map(admitted)).toEqual([true, true, true, false, false]);
    expect(flood[3]).toMatchObject({ retryAfterSeconds: 1, why: 'more than 10 requests per second from 10.0.0.66' });
    for (const a of flood) if (a.admitted) a.release();
    expect(admitted(admission.admit('10.0.0.7'))).toBe(true);
    clock.advance(100);
    expect(admitted(admission.admit('10.0.0.66'))).toBe(true);
  });

  it('caps the requests in flight across sources until one is released', () => {
    const admission = new RequestAdmission(limits, new ManualClock(0));
    const held = ['a', 'a', 'b', 'b'].map((source) => admission.admit(source));
    expect(held.every(admitted)).toBe(true);
    const refused = admission.admit('c');
    expect(refused).toMatchObject({ admitted: false, why: '4 requests already in flight' });
    const first = held[0];
    if (first?.admitted) {
      first.release();
      first.release();
    }
    expect(admission.active).toBe(3);
    expect(admitted(admission.admit('c'))).toBe(true);
  });

  it('remembers a bounded number of sources', () => {
    const admission = new RequestAdmission(limits, new ManualClock(0));
    const take = (source: string): boolean => {
      const a = admission.admit(source);
      if (a.admitted) a.release();
      return a.admitted;
    };
    expect([take('x'), take('x'), take('x'), take('x')]).toEqual([true, true, true, false]);
    take('y');
    take('z');
    // x was forgotten (the least recently seen of more than two), so it starts with a full burst again.
    expect(take('x')).toBe(true);
  });
});
