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

function startProcess(args: string[], env: NodeJS.ProcessEnv, address: RegExp, toUrl = (printed: string) => printed): Promise<RunningUi> {
  const child: ChildProcess = spawn(process.execPath, [cli, 'ui', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const stop = (): Promise<void> => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return waitFor('tessera ui to print its address', () => {
    if (child.exitCode !== null) throw new Error(`tessera ui exited ${child.exitCode}:\n${output}`);
    const printed = address.exec(output)?.[1];
    return printed === undefined ? undefined : toUrl(printed);
  }, 60_000).then((url) => ({ url, origin: new URL(url).origin, output: () => output, stop }), async (error: unknown) => {
    await stop();
    throw error;
  });
}

/** Starts `tessera ui --port 0` as the user of `kubeconfig` and waits for its address. */
export function startUi(kubeconfig: string, args: string[] = []): Promise<RunningUi> {
  return startProcess(args, workstationEnv(kubeconfig), /serving (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/);
}

/**
 * Starts `tessera ui --in-cluster` as the chart's pod runs it, but on this machine's 127.0.0.1 and
 * with no kubeconfig at all: it knows the API server and its CA, and nobody. `url` is its sign-in page.
 */
export function startInClusterUi(apiServer: string, caFile: string): Promise<RunningUi> {
  const env = { ...workstationEnv('/nonexistent/kubeconfig'), KUBERNETES_SERVICE_HOST: '' };
  const args = ['--in-cluster', '--address', '127.0.0.1', '--api-server', apiServer, '--api-ca', caFile];
  return startProcess(args, env, /serving on 127\.0\.0\.1:(\d+) /, (port) => `http://127.0.0.1:${port}/login`);
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
