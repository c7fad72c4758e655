import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolParts, type ToolPart } from './tool-parts-order.ts';

// The parts tests run as tools rather than as cluster components (scripts/build-parts.sh --tools).
// On a machine without them, scripts/test.sh builds them in the background at idle priority while
// the first test files run, and says so in TESSERA_TOOLS_BUILD_PID and TESSERA_TOOLS_BUILD_LOG; a
// file that needs one awaits it in its first hook, and the sequencer (vitest.config.ts) runs such
// files last, so the build has the whole run's idle time.

const versionsScript = fileURLToPath(new URL('../../scripts/versions.sh', import.meta.url));
const binVariables: Record<ToolPart, [variable: string, binary: string]> = {
  health: ['HEALTH_BIN', 'health'],
  promtool: ['PROMTOOL_BIN', 'promtool'],
  helm: ['HELM_BIN', 'helm'],
};
const dirs = new Map<ToolPart, string>();

/** The part's directory under the cache (versions.sh's key for it). */
function partDir(part: ToolPart): string {
  let dir = dirs.get(part);
  if (dir === undefined) {
    const [variable] = binVariables[part];
    dir = execFileSync('bash', ['-c', `source '${versionsScript}' && echo "$${variable}"`], { encoding: 'utf8' }).trim();
    dirs.set(part, dir);
  }
  return dir;
}

/** The pinned binary of a tool part. */
export function toolBinary(part: ToolPart): string {
  return join(partDir(part), binVariables[part][1]);
}

/** How long a file may wait for a tool built in the background: longer than Helm's cold build on a busy machine. */
export const toolWaitMs = 45 * 60_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function lastLines(path: string, count: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return `(no log at ${path})`;
  }
}

/** Where a background build of the tools runs, when scripts/test.sh started one. */
function backgroundBuild(): { pid: number; log: string } | undefined {
  const pid = Number(process.env.TESSERA_TOOLS_BUILD_PID);
  return Number.isInteger(pid) && pid > 0 ? { pid, log: process.env.TESSERA_TOOLS_BUILD_LOG ?? '' } : undefined;
}

/**
 * Resolves once `part` is built (its `.complete` marker); while scripts/test.sh's background build runs,
 * waits for it, saying so every minute. Fails with how to build the part when no build is under way or
 * the build ended without it.
 */
export async function awaitToolPart(part: ToolPart, pollMs = 2_000): Promise<void> {
  const marker = join(partDir(part), '.complete');
  const started = Date.now();
  let said = started;
  for (;;) {
    if (existsSync(marker)) return;
    const build = backgroundBuild();
    if (build === undefined) throw new Error(`${part} is not built (${partDir(part)}): run scripts/build-parts.sh ${part}`);
    if (!isRunning(build.pid)) {
      throw new Error(`the background build of the tools ended without ${part}; its log (${build.log}) ends:\n${lastLines(build.log, 20)}\nBuild it with scripts/build-parts.sh ${part}`);
    }
    if (Date.now() - said >= 60_000) {
      said = Date.now();
      console.log(`waiting ${Math.round((said - started) / 1000)}s for ${part}, building in the background (${toolParts.join(', ')}; log ${build.log})`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
