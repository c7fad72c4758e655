import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { operatorNodeArgs } from '../../src/chart/values.ts';
import { clusterEnv } from './cluster-env.ts';
import { waitFor } from './wait.ts';
import { serveWorkstationApiFrom, stopServingWorkstationApiFrom, workstationApiArgs } from './workstation-api.ts';

const sourceCli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const runDir = process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster';
const logDir = join(runDir, 'logs', 'operators');

/**
 * The result-signing key file every test operator shares (as the replicas of one install share the
 * chart's Secret): made once per run directory, so a restarted operator verifies what the last one signed.
 */
export function signingKeysFile(): string {
  const file = join(runDir, 'result-signing-keys');
  if (existsSync(file)) return file;
  try {
    writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another test process made it first: theirs is the one to share.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return file;
}

/** A `tessera operator` process started by a test. */
export interface RunningOperator {
  readonly process: ChildProcess;
  readonly metricsUrl: string;
  /** The transfer API, as pods (and the pod runner in tests) reach it. */
  readonly transferUrl: string;
  /** The workstation API served straight from the operator (the API server's way in), if it serves one. */
  readonly apiPort?: number;
  readonly logFile: string;
  /** Sends SIGKILL and waits for the process to be gone. */
  kill(): Promise<void>;
  /** Sends SIGTERM and waits for a clean exit. */
  stop(): Promise<void>;
  exited(): boolean;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Node's flags as the chart sets them (NODE_OPTIONS), then TESSERA_OPERATOR_NODE_ARGS (e.g.
 * --cpu-prof when profiling a benchmark), then the command's script.
 */
function nodeCommand(cli = sourceCli): string[] {
  const extra = process.env.TESSERA_OPERATOR_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return [...operatorNodeArgs, ...extra, cli];
}

/**
 * Starts the operator exactly as `tessera operator` runs, against the local cluster, logging to
 * logs/operators/<name>.log in the run directory; resolves once it reports ready and, with leader
 * election, leads (`waitLead: false` for a replica meant to stand by). `cli` runs another build of
 * the same command (a bench runs the bundle the image ships) instead of src/cli/main.ts.
 */
export async function startOperator(name: string, extraArgs: string[] = [], opts: { waitReady?: boolean; waitLead?: boolean; cli?: string } = {}): Promise<RunningOperator> {
  mkdirSync(logDir, { recursive: true });
  const port = await freePort();
  const transferPort = await freePort();
  // Without a store (--s3-endpoint= overrides) there is no workstation API to serve.
  const apiPort = extraArgs.includes('--s3-endpoint') ? undefined : await freePort();
  const env = clusterEnv();
  // The object store and the transfer API, as the chart configures them; a test that wants an
  // operator without a store passes --s3-endpoint= (empty) to override.
  const storeArgs = ['--s3-endpoint', env.s3Endpoint, '--s3-access-key', env.s3AccessKey, '--transfer-address', `127.0.0.1:${transferPort}`, '--result-signing-keys-file', signingKeysFile()];
  const apiArgs = apiPort ? workstationApiArgs(apiPort) : [];
  const logFile = join(logDir, `${name}.log`);
  const leads = opts.waitLead === false ? undefined : leadershipProbe(logFile, extraArgs);
  const log = createWriteStream(logFile, { flags: 'a' });
  const args = [...nodeCommand(opts.cli), 'operator', '--kubeconfig', env.kubeconfig, '--metrics-address', `127.0.0.1:${port}`, '--identity', name, ...storeArgs, ...apiArgs, ...extraArgs];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The secret key travels in the environment, never on a command line others can read.
    env: { ...process.env, TESSERA_S3_SECRET_KEY: env.s3SecretKey },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const metricsUrl = `http://127.0.0.1:${port}`;
  const running: RunningOperator = {
    process: child,
    metricsUrl,
    transferUrl: `http://127.0.0.1:${transferPort}`,
    apiPort,
    logFile,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child);
      if (apiPort !== undefined) stopServingWorkstationApiFrom(apiPort);
    },
    async stop() {
      child.kill('SIGTERM');
      await waitForExit(child);
      if (apiPort !== undefined) stopServingWorkstationApiFrom(apiPort);
    },
  };
  if (opts.waitReady ?? true) await untilServing(running, name, leads);
  return running;
}

/**
 * Whether the operator about to log to `logFile` leads yet; undefined without leader election. The
 * log is appended to, so only what this process writes counts.
 */
function leadershipProbe(logFile: string, args: readonly string[]): (() => boolean) | undefined {
  if (args.includes('--no-leader-elect')) return undefined;
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  return () => readFileSync(logFile).subarray(logStart).includes('became the leader');
}

/**
 * Waits for the operator's readiness and, with leader election, its lead (a replica killed by an
 * earlier test may hold the Lease until it lapses: controllers and garbage collection run only on
 * the leader), then makes its workstation API the cluster's.
 */
async function untilServing(running: RunningOperator, name: string, leads: (() => boolean) | undefined): Promise<void> {
  await waitFor(`operator ${name} ready (log ${running.logFile})`, async () => {
    if (running.exited()) throw new Error(`operator ${name} exited with ${running.process.exitCode}; see ${running.logFile}`);
    const response = await fetch(`${running.metricsUrl}/readyz`);
    return response.ok;
  });
  if (leads) await waitFor(`operator ${name} to lead (log ${running.logFile})`, () => leads(), 60_000);
  if (running.apiPort !== undefined) await serveWorkstationApiFrom(running.apiPort);
}
