import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lateParts, type LatePart } from './late-parts-order.ts';

// The late parts (scripts/build-parts.sh --late): the tools some test files run (health, promtool,
// helm) and the cluster components only some files use (MinIO, Kueue). On a machine without them,
// scripts/test.sh builds them in the background at idle priority while the other files run, and
// says so in TESSERA_LATE_BUILD_PID and TESSERA_LATE_BUILD_LOG; `cluster.sh up` then starts the
// cluster without the missing components. A file that needs one awaits it in its first hook, which
// also starts a component; the sequencer (vitest.config.ts) runs such files last.

const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));
const parts: Record<LatePart, { variable: string; binary: string; component?: true }> = {
  health: { variable: 'HEALTH_BIN', binary: 'health' },
  promtool: { variable: 'PROMTOOL_BIN', binary: 'promtool' },
  minio: { variable: 'MINIO_BIN', binary: 'minio', component: true },
  kueue: { variable: 'KUEUE_BIN', binary: 'kueue', component: true },
  helm: { variable: 'HELM_BIN', binary: 'helm' },
};
const dirs = new Map<LatePart, string>();

/** The part's directory under the cache (versions.sh's key for it). */
function partDir(part: LatePart): string {
  let dir = dirs.get(part);
  if (dir === undefined) {
    dir = execFileSync('bash', ['-c', `source '${scripts}versions.sh' && echo "$${parts[part].variable}"`], { encoding: 'utf8' }).trim();
    dirs.set(part, dir);
  }
  return dir;
}

/** The pinned binary of a tool the tests run. */
export function toolBinary(part: 'health' | 'promtool' | 'helm'): string {
  return join(partDir(part), parts[part].binary);
}

/** How long a file may wait for a part built in the background: longer than the whole late build on a busy machine. */
export const latePartWaitMs = 50 * 60_000;

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

/** Where a background build of the late parts runs, when scripts/test.sh started one. */
function backgroundBuild(): { pid: number; log: string } | undefined {
  const pid = Number(process.env.TESSERA_LATE_BUILD_PID);
  return Number.isInteger(pid) && pid > 0 ? { pid, log: process.env.TESSERA_LATE_BUILD_LOG ?? '' } : undefined;
}

async function awaitBuilt(part: LatePart, pollMs: number): Promise<void> {
  const marker = join(partDir(part), '.complete');
  const started = Date.now();
  let said = started;
  for (;;) {
    if (existsSync(marker)) return;
    const build = backgroundBuild();
    if (build === undefined) throw new Error(`${part} is not built (${partDir(part)}): run scripts/build-parts.sh ${part}`);
    if (!isRunning(build.pid)) {
      throw new Error(`the background build of the late parts ended without ${part}; its log (${build.log}) ends:\n${lastLines(build.log, 20)}\nBuild it with scripts/build-parts.sh ${part}`);
    }
    if (Date.now() - said >= 60_000) {
      said = Date.now();
      console.log(`waiting ${Math.round((said - started) / 1000)}s for ${part}, building in the background (${lateParts.join(', ')}; log ${build.log})`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** `cluster.sh start NAME`: a no-op when the component already runs. */
function startComponent(part: LatePart): void {
  const result = spawnSync('bash', [`${scripts}cluster.sh`, 'start', part], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`scripts/cluster.sh start ${part} failed (${result.status}):\n${result.stderr}${result.stdout}`);
}

/**
 * Resolves once `part` is built (its `.complete` marker) and, for a cluster component, running;
 * while scripts/test.sh's background build runs, waits for it, saying so every minute. Fails with how
 * to build the part when no build is under way or the build ended without it.
 */
export async function awaitLatePart(part: LatePart, pollMs = 2_000): Promise<void> {
  await awaitBuilt(part, pollMs);
  if (parts[part].component) startComponent(part);
}
