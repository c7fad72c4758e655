import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { workstationEnv } from './tessera-cli.ts';
import { waitFor } from './wait.ts';

// The dashboard as a user runs it (`tessera ui` with their kubeconfig, on a free port) and Debian's
// chromium driven by playwright-core: Playwright's own browser download cannot work here, so the
// browser is the distribution's, installed by the project's package helper when it is missing.

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const packages = fileURLToPath(new URL('../../scripts/cluster/packages.sh', import.meta.url));

/** Where Debian's chromium package puts its browser. */
export const chromiumPath = '/usr/bin/chromium';

/** Where tests save screenshots (gitignored). */
export const artifactsDir = fileURLToPath(new URL('../../test-artifacts/ui/', import.meta.url));

/** A running `tessera ui`. */
export interface RunningUi {
  /** The printed address, with this run's token: opening it sets the session cookie. */
  readonly url: string;
  /** The same address without the token. */
  readonly origin: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `tessera ui --port 0` as the user of `kubeconfig` and waits for its address. */
export async function startUi(kubeconfig: string, args: string[] = []): Promise<RunningUi> {
  const child: ChildProcess = spawn(process.execPath, [cli, 'ui', '--port', '0', ...args], { env: workstationEnv(kubeconfig), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = await waitFor('tessera ui to print its address', () => {
    if (child.exitCode !== null) throw new Error(`tessera ui exited ${child.exitCode}:\n${output}`);
    return /serving (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)?.[1];
  }, 60_000);
  return {
    url,
    origin: new URL(url).origin,
    output: () => output,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Installs Debian's chromium with the project's package helper when it is missing (needs root and apt). */
export function ensureChromium(): void {
  const script = `log() { echo "$*" >&2; }; die() { echo "$*" >&2; exit 1; }; LOGS=\${TESSERA_RUN_DIR:-/tmp/tessera-cluster}/logs; source "${packages}"; ensure_packages chromium:${chromiumPath}`;
  execFileSync('bash', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
}

/** Launches chromium headless (no sandbox: the tests run as root). */
export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
}

/** Saves a full-page screenshot of `page` as test-artifacts/ui/`name`.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifactsDir}${name}.png`, fullPage: true });
}
