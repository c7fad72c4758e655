import { describe, expect, it } from 'vitest';
import { doneTimeoutMs, jobsRows } from '../../scripts/bench/jobs.ts';

const sample = { rssBytes: 120 * 2 ** 20, heapUsedBytes: 40 * 2 ** 20, requests: 3000, eventLoopP99Seconds: 0.05 };
const tessera = {
  seconds: 60,
  peak: sample,
  final: sample,
  kept: {
    running: { rssBytes: 110 * 2 ** 20, eventLoopP99Seconds: 0.01 },
    restart: { readySeconds: 2, peakRssBytes: 115 * 2 ** 20, endRssBytes: 105 * 2 ** 20, eventLoopP99Seconds: 0.02, requests: 11, writes: 0 },
  },
};

describe("the jobs bench's figures", () => {
  it('prints the time against the floor, and the ratio', () => {
    expect(jobsRows(tessera, { seconds: 48 }, 1000)[0]).toEqual(['time to all done', '60.0 s', '48.0 s', '1.25x', '<= 1.15x']);
  });

  it('prints no ratio without a floor', () => {
    expect(jobsRows(tessera, undefined, 1000)[0]).toEqual(['time to all done', '60.0 s', '-', '-', '<= 1.15x']);
  });

  it('divides the requests by the Jobs and ends with the kept rows', () => {
    const rows = jobsRows(tessera, undefined, 1000);
    expect(rows[1]?.[1]).toBe('3.00');
    expect(rows.at(-1)).toEqual(['kept 1000, restarted: API requests / writes', '11 / 0', '-', '-', 'writes 0']);
  });

  it('waits 15 minutes, or 0.3 s a Job for more', () => {
    expect(doneTimeoutMs(1000)).toBe(900_000);
    expect(doneTimeoutMs(10_000)).toBe(3_000_000);
  });
});
