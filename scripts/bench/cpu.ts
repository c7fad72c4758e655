import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// CPU time of the local cluster's components (and any extra process), read from /proc: on two cores
// every component competes for the same CPU, so where the seconds go explains a benchmark's time.

const pidsDir = join(process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster', 'pids');
const ticksPerSecond = 100;

/** User + system CPU seconds of a process, 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of every component the cluster scripts started, plus `extra` (name → pid). */
export function clusterCpu(extra: Record<string, number> = {}): Map<string, number> {
  const sample = new Map<string, number>();
  for (const name of readdirSync(pidsDir)) sample.set(name, cpuSeconds(Number(readFileSync(join(pidsDir, name), 'utf8').trim())));
  for (const [name, pid] of Object.entries(extra)) sample.set(name, cpuSeconds(pid));
  return sample;
}

/** What each component used between two samples. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, seconds]) => [name, seconds - (before.get(name) ?? 0)]));
}
