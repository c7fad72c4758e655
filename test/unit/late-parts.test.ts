import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awaitLatePart, toolBinary } from '../support/late-parts.ts';

// awaitLatePart against real files and a real process standing in for scripts/test.sh's background
// build: a cache of its own (TESSERA_CACHE), so the machine's built parts are never seen.

const cache = mkdtempSync(`${tmpdir()}/tessera-tool-parts-`);
const saved = { cache: process.env.TESSERA_CACHE, pid: process.env.TESSERA_LATE_BUILD_PID, log: process.env.TESSERA_LATE_BUILD_LOG };
const log = `${cache}/build.log`;

function startBuild(): ReturnType<typeof spawn> {
  const build = spawn('sleep', ['60'], { stdio: 'ignore' });
  process.env.TESSERA_LATE_BUILD_PID = String(build.pid);
  process.env.TESSERA_LATE_BUILD_LOG = log;
  return build;
}

const restore = (name: string, value: string | undefined): void => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};

beforeAll(() => {
  process.env.TESSERA_CACHE = cache;
  // Under npm test on a machine without the late parts, the real background build's are inherited.
  delete process.env.TESSERA_LATE_BUILD_PID;
  delete process.env.TESSERA_LATE_BUILD_LOG;
});
afterEach(() => {
  delete process.env.TESSERA_LATE_BUILD_PID;
  delete process.env.TESSERA_LATE_BUILD_LOG;
});
afterAll(() => {
  restore('TESSERA_CACHE', saved.cache);
  restore('TESSERA_LATE_BUILD_PID', saved.pid);
  restore('TESSERA_LATE_BUILD_LOG', saved.log);
  rmSync(cache, { recursive: true, force: true });
});

describe('awaitLatePart', () => {
  it('fails at once, naming the command that builds it, when the part is missing and nothing builds it', async () => {
    await expect(awaitLatePart('promtool', 10)).rejects.toThrow(/^promtool is not built \(.*\): run scripts\/build-parts.sh promtool$/);
  });

  it('waits for a background build to finish the part, then resolves', async () => {
    const build = startBuild();
    const marker = `${dirname(toolBinary('health'))}/.complete`;
    setTimeout(() => {
      mkdirSync(dirname(marker), { recursive: true });
      writeFileSync(marker, '');
    }, 150);
    await expect(awaitLatePart('health', 10)).resolves.toBeUndefined();
    build.kill();
  });

  it('fails with the end of the build log when the build ends without the part', async () => {
    writeFileSync(log, '[build-parts] building helm\ngo: downloading helm.sh/helm/v4: connection refused\n');
    const build = startBuild();
    const waiting = awaitLatePart('helm', 10);
    build.kill();
    await expect(waiting).rejects.toThrow(/ended without helm; its log .* ends:\n\[build-parts\] building helm\ngo: downloading .*refused\nBuild it with scripts\/build-parts.sh helm$/);
  });

  it('resolves at once once the part is built, background build or not', async () => {
    await expect(awaitLatePart('health', 10)).resolves.toBeUndefined();
  });
});
