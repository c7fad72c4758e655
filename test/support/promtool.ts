import { spawnSync } from 'node:child_process';
import { toolBinary } from './late-parts.ts';

// promtool, as built by scripts/build-parts.sh (the `promtool` part): checks and unit-tests the
// chart's alert rules without a Prometheus server.

/** The pinned promtool binary's path. */
export function promtoolBinary(): string {
  return toolBinary('promtool');
}

/** Runs promtool and returns its exit status and output; throws, saying how to build it, when it is missing. */
export function promtool(args: string[]): { status: number; output: string } {
  const result = spawnSync(promtoolBinary(), args, { encoding: 'utf8' });
  if (result.error) throw new Error(`promtool did not run (${promtoolBinary()}); build it with scripts/build-parts.sh promtool`, { cause: result.error });
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}
