import { describe, expect, it } from 'vitest';
import { keptRows, parseScrape, type KeptFigures } from '../../scripts/bench/jobs-kept.ts';

const metrics = [
  '# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.',
  'nodejs_eventloop_lag_p99_seconds 0.012',
  'nodejs_eventloop_lag_p90_seconds 0.011',
  'rest_client_requests_total{method="GET",code="200"} 7',
  'rest_client_requests_total{method="PUT",code="200"} 2',
  'rest_client_requests_total{method="POST",code="409"} 1',
].join('\n');

const kept: KeptFigures = {
  running: { rssBytes: 150 * 2 ** 20, eventLoopP99Seconds: 0.0123 },
  restart: { readySeconds: 4.25, peakRssBytes: 180 * 2 ** 20, endRssBytes: 160 * 2 ** 20, eventLoopP99Seconds: 0.2, requests: 12, writes: 0 },
};

describe("the jobs bench's kept-Jobs figures", () => {
  it("reads the event loop's p99 and counts reads and writes apart", () => {
    expect(parseScrape(metrics)).toEqual({ eventLoopP99Seconds: 0.012, requests: 10, writes: 3 });
  });

  it('prints the 10,000-Job targets only for 10,000 Jobs or more', () => {
    const at10k = keptRows(kept, 10_000);
    expect(at10k.map((row) => row[1])).toEqual(['150 MiB', '12.3 ms', '4.3 s', '180 MiB / 160 MiB', '200.0 ms', '12 / 0']);
    expect(at10k.map((row) => row[4])).toEqual(['<= 200 MiB', '<= 50 ms', '-', '<= 200 MiB', '<= 50 ms', 'writes 0']);
    expect(keptRows(kept, 1_000).map((row) => row[4])).toEqual(['-', '-', '-', '-', '-', 'writes 0']);
  });
});
