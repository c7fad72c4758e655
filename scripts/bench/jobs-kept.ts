import { readFileSync } from 'node:fs';
import { startOperator, type RunningOperator } from '../../test/support/operator.ts';
import { benchCli } from './shipped-cli.ts';

// What the operator costs while it keeps N finished Jobs: the Jobs, their batch Jobs and their pods
// stay in its caches for as long as the Jobs exist. Measured twice: the operator that ran them,
// idle for a window, and a new operator started over them (the restart after an upgrade or a
// crash), from its start until a window after it reports ready.

export const keptWindowMs = 60_000;

export interface KeptFigures {
  /** The operator that ran the Jobs, through an idle window. */
  running: { rssBytes: number; eventLoopP99Seconds: number };
  /** A new operator over the kept Jobs. */
  restart: { readySeconds: number; peakRssBytes: number; endRssBytes: number; eventLoopP99Seconds: number; requests: number; writes: number };
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

interface Scrape {
  eventLoopP99Seconds: number;
  requests: number;
  writes: number;
}

/** Parses the operator's /metrics text: the event loop's p99 since the last scrape and its API requests. */
export function parseScrape(text: string): Scrape {
  const scrape: Scrape = { eventLoopP99Seconds: 0, requests: 0, writes: 0 };
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('nodejs_eventloop_lag_p99_seconds ')) scrape.eventLoopP99Seconds = value;
    if (!line.startsWith('rest_client_requests_total{')) continue;
    scrape.requests += value;
    if (!/method="(GET|LIST|WATCH)"/.test(line)) scrape.writes += value;
  }
  return scrape;
}

// prom-client resets its event-loop histogram at every scrape: one scrape opens a window, the
// next reads the p99 of everything in between.
async function scrape(operator: RunningOperator): Promise<Scrape> {
  return parseScrape(await (await fetch(`${operator.metricsUrl}/metrics`)).text());
}

/** Peak resident memory of `pid`, read from /proc every 200 ms until stopped. */
function peakRss(pid: number): { stop(): number } {
  let peak = 0;
  const read = (): void => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // The process is gone: its peak is what was read before.
    }
  };
  read();
  const timer = setInterval(read, 200);
  return { stop: () => (read(), clearInterval(timer), peak) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The operator that ran the Jobs, left idle for `keptWindowMs`: its RSS at the end and the window's p99. */
export async function measureRunningKept(operator: RunningOperator): Promise<KeptFigures['running']> {
  await scrape(operator);
  await sleep(keptWindowMs);
  const { eventLoopP99Seconds } = await scrape(operator);
  return { rssBytes: rssBytes(operator.process.pid!), eventLoopP99Seconds };
}

/** A new operator started over the kept Jobs: time to ready, RSS, event-loop p99 and requests until `keptWindowMs` after ready. */
export async function measureRestartKept(name: string, args: string[]): Promise<KeptFigures['restart']> {
  const start = performance.now();
  const operator = await startOperator(name, args, { cli: benchCli().path, waitReady: false });
  const peak = peakRss(operator.process.pid!);
  try {
    await untilReady(operator);
    const readySeconds = (performance.now() - start) / 1000;
    await sleep(keptWindowMs);
    // The first scrape: its histogram covers the whole life of the process.
    const { eventLoopP99Seconds, requests, writes } = await scrape(operator);
    const endRssBytes = rssBytes(operator.process.pid!);
    return { readySeconds, peakRssBytes: peak.stop(), endRssBytes, eventLoopP99Seconds, requests, writes };
  } finally {
    peak.stop();
    await operator.stop();
  }
}

async function untilReady(operator: RunningOperator): Promise<void> {
  // A metrics request would reset the histogram: readiness is asked of /readyz only.
  for (;;) {
    if (operator.exited()) throw new Error(`operator exited with ${operator.process.exitCode}; see ${operator.logFile}`);
    const ready = await fetch(`${operator.metricsUrl}/readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    await sleep(100);
  }
}

/** The rows for the operator that keeps `count` finished Jobs (its targets are for 10,000). */
export function keptRows({ running, restart }: KeptFigures, count: number): string[][] {
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const ms = (seconds: number): string => `${(seconds * 1000).toFixed(1)} ms`;
  const window = `${keptWindowMs / 1000} s`;
  const rssTarget = count >= 10_000 ? '<= 200 MiB' : '-';
  const p99Target = count >= 10_000 ? '<= 50 ms' : '-';
  return [
    [`kept ${count}, idle ${window}: operator RSS`, mib(running.rssBytes), '-', '-', rssTarget],
    [`kept ${count}, idle ${window}: event-loop delay p99`, ms(running.eventLoopP99Seconds), '-', '-', p99Target],
    [`kept ${count}, restarted: time to ready`, `${restart.readySeconds.toFixed(1)} s`, '-', '-', '-'],
    [`kept ${count}, restarted: operator peak RSS / at ${window} after ready`, `${mib(restart.peakRssBytes)} / ${mib(restart.endRssBytes)}`, '-', '-', rssTarget],
    [`kept ${count}, restarted: event-loop delay p99 (start to ${window} after ready)`, ms(restart.eventLoopP99Seconds), '-', '-', p99Target],
    [`kept ${count}, restarted: API requests / writes`, `${restart.requests} / ${restart.writes}`, '-', '-', 'writes 0'],
  ];
}
