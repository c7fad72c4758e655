import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { benchCluster } from './cluster.ts';

// How fast `tessera` starts: wall time and peak RSS of `tessera --help`, `tessera plan tree` of a
// plan it creates and `tessera job list` of 20 Jobs, each run through bin/tessera as a user types it,
// against `node -e 0` (the floor: Node itself) and `kubectl get` of the same plan (what users would
// run instead), all from the same run. The first run of each fills Node's compile cache (a fresh one,
// so it is the cold start) and is shown apart; the figures are the median of the next five.
// `npm run bench -- startup DIR` also times DIR's bin/tessera (another checkout, e.g. before a change)
// for the same --help and plan tree, in the same run.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tessera = join(repo, 'bin/tessera');
const node = join(repo, 'node_modules/.bin/node');
const runs = 5;

interface Sample {
  seconds: number;
  rssKiB: number;
}

/** One run under GNU time: wall seconds and peak RSS; a failed command fails the benchmark. */
function timed(argv: string[], env: NodeJS.ProcessEnv): Sample {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  const last = result.stderr.trim().split('\n').at(-1) ?? '';
  const [seconds, rssKiB] = last.split(' ').map(Number);
  if (!Number.isFinite(seconds) || !Number.isFinite(rssKiB)) throw new Error(`no timing from ${argv.join(' ')}: ${result.stderr}`);
  return { seconds: seconds!, rssKiB: rssKiB! };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

interface Row {
  name: string;
  cold: Sample;
  wall: number;
  rssMiB: number;
  target?: number;
}

function measure(name: string, argv: string[], env: NodeJS.ProcessEnv, target?: number): Row {
  const cold = timed(argv, env);
  const samples = Array.from({ length: runs }, () => timed(argv, env));
  return { name, cold, wall: median(samples.map((s) => s.seconds)), rssMiB: median(samples.map((s) => s.rssKiB)) / 1024, ...(target ? { target } : {}) };
}

/** A fedAvg plan of 4 trainers and 5 rounds (34 tasks) and 20 Jobs, in a namespace of their own. */
function createObjects(kubectl: readonly string[], namespace: string): void {
  execFileSync(kubectl[0]!, [...kubectl.slice(1), 'create', 'namespace', namespace], { stdio: 'ignore' });
  const trainers = Array.from({ length: 4 }, () => ({ namespace, datasetRef: { name: 'data' } }));
  const plan = {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'ComputePlan',
    metadata: { name: 'startup', namespace },
    spec: { strategy: { fedAvg: { rounds: 5, trainers, trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'aggregate' }, testAlgo: { name: 'evaluate' } } } },
  };
  const jobs = Array.from({ length: 20 }, (_, i) => ({
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: `startup-${i}`, namespace },
    spec: { image: 'local/sim:1', resources: { cpu: '10m', memory: '16Mi' } },
  }));
  const manifest = [plan, ...jobs].map((o) => stringify(o)).join('---\n');
  execFileSync(kubectl[0]!, [...kubectl.slice(1), 'apply', '-f', '-'], { input: manifest, stdio: ['pipe', 'ignore', 'inherit'] });
}

function printRows(rows: Row[]): void {
  const floor = rows[0]!;
  console.log('');
  console.log(['command', 'wall (median)', 'vs node -e 0', 'peak RSS (median)', 'cold run', 'target'].join(' | '));
  for (const row of rows) {
    const cold = `${row.cold.seconds.toFixed(2)} s, ${(row.cold.rssKiB / 1024).toFixed(0)} MiB`;
    const target = row.target === undefined ? '-' : `<= ${row.target} s`;
    console.log([row.name, `${row.wall.toFixed(2)} s`, `+${(row.wall - floor.wall).toFixed(2)} s`, `${row.rssMiB.toFixed(0)} MiB`, cold, target].join(' | '));
  }
}

/**
 * Another checkout's `--help` and `plan tree`, for a before/after comparison in one run: without this
 * run's compile cache, so the checkout runs as its own bin/tessera sets it up for a user.
 */
function otherCheckout(dir: string, namespace: string, runEnv: NodeJS.ProcessEnv): Row[] {
  const other = join(dir, 'bin/tessera');
  const env = Object.fromEntries(Object.entries(runEnv).filter(([k]) => k !== 'NODE_COMPILE_CACHE'));
  return [
    measure(`${dir}: tessera --help`, [other, '--help'], env),
    measure(`${dir}: tessera plan tree startup`, [other, 'plan', 'tree', 'startup', '-n', namespace], env),
  ];
}

/** Runs the start-up benchmark and prints its figures. Args: [another checkout to compare]. */
export function benchStartup(args: string[]): void {
  benchCluster();
  const env = clusterEnv();
  const kubectl = [env.kubectl, '--kubeconfig', env.kubeconfig];
  execFileSync(kubectl[0]!, [...kubectl.slice(1), 'apply', '--server-side', '--force-conflicts', '-f', join(repo, 'crds')], { stdio: 'ignore' });
  const namespace = `bench-startup-${Date.now().toString(36)}`;
  const cache = mkdtempSync(join(tmpdir(), 'tessera-bench-compile-cache-'));
  // A user's environment: their kubeconfig, a compile cache of their own (empty at first), no store keys.
  const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_S3_') && k !== 'NODE_OPTIONS'));
  const runEnv = { ...userEnv, KUBECONFIG: env.kubeconfig, NODE_COMPILE_CACHE: cache };
  try {
    createObjects(kubectl, namespace);
    console.log(`bench startup: median of ${runs} runs after one cold run (fresh compile cache), namespace ${namespace}`);
    const rows = [
      measure('node -e 0 (floor)', [node, '-e', '0'], runEnv),
      measure('tessera --help', [tessera, '--help'], runEnv, 0.3),
      measure('tessera plan tree startup', [tessera, 'plan', 'tree', 'startup', '-n', namespace], runEnv, 1),
      measure('tessera job list (20 Jobs)', [tessera, 'job', 'list', '-n', namespace], runEnv),
      measure('kubectl get computeplan startup', [...kubectl, 'get', 'computeplan', 'startup', '-n', namespace], runEnv),
      ...(args[0] ? otherCheckout(args[0], namespace, runEnv) : []),
    ];
    printRows(rows);
  } finally {
    rmSync(cache, { recursive: true, force: true });
    spawnSync(kubectl[0]!, [...kubectl.slice(1), 'delete', 'namespace', namespace, '--wait=false'], { stdio: 'ignore' });
  }
}
