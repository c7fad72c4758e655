import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { workstationEnv } from './tessera-cli.ts';

// The CLI as users get it: scripts/package-cli.sh builds the npm package and the SEA binary into a
// scratch directory (once per test file), and the package is installed with `npm install -g` into a
// prefix of its own, as a user installs it.

const packageScript = fileURLToPath(new URL('../../scripts/package-cli.sh', import.meta.url));
const run = promisify(execFile);

/** The packaged CLI, built and installed. */
export interface PackagedCli {
  /** `<prefix>/bin/tessera`, from `npm install -g --prefix <prefix> tessera-cli-*.tgz`. */
  installed: string;
  /** The npm package file. */
  tarball: string;
  /** The directory holding the SEA binary `kubectl-tessera`, to put on PATH. */
  seaDir: string;
  remove(): Promise<void>;
}

/** Builds the package and the SEA binary, and installs the package globally into a scratch prefix. */
export async function buildPackagedCli(): Promise<PackagedCli> {
  const scratch = await mkdtemp(join(tmpdir(), 'tessera-cli-package-'));
  const dist = join(scratch, 'dist');
  const prefix = join(scratch, 'prefix');
  try {
    execFileSync('bash', [packageScript, '--sea'], { env: { ...process.env, TESSERA_CLI_DIST: dist }, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`scripts/package-cli.sh --sea failed (it needs npm ci: esbuild, postject, node@24): ${(error as { stderr?: Buffer }).stderr?.toString() ?? ''}`, { cause: error });
  }
  const tarball = (await readdir(dist)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`scripts/package-cli.sh wrote no .tgz into ${dist}`);
  // The package has no dependencies (everything is in its bundle): the install needs no registry.
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(dist, tarball)], { stdio: 'ignore' });
  return { installed: join(prefix, 'bin', 'tessera'), tarball: join(dist, tarball), seaDir: dist, remove: () => rm(scratch, { recursive: true, force: true }) };
}

/** A command's exit code, stdout and stderr, never throwing. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `file args` as a workstation would (a kubeconfig, no store keys). `path` goes first on PATH
 * (the packaged CLI's `#!/usr/bin/env node` finds Node 24 there, as on a user's machine with it);
 * with `only`, it is the whole PATH.
 */
export async function runAsUser(file: string, args: string[], opts: { kubeconfig: string; path: string[]; only?: boolean }): Promise<Ran> {
  const path = opts.only ? opts.path : [...opts.path, process.env.PATH ?? ''];
  const env = { ...workstationEnv(opts.kubeconfig), PATH: path.join(':') };
  try {
    const { stdout, stderr } = await run(file, args, { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** The directory of the Node running the tests (Node 24): what a user's PATH would hold. */
export const node24Dir = dirname(process.execPath);
