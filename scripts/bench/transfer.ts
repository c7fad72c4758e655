import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TesseraJob } from '../../src/api/job.ts';
import { holdingKey } from '../../src/storage/access.ts';
import { readManifest } from '../../src/storage/manifest-io.ts';
import { blobKey, manifestKey } from '../../src/storage/manifest.ts';
import { s3BlobStore, type S3BlobStore } from '../../src/storage/object-store.ts';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { applyTesseraJob, jobInPhase, podOfJob } from '../../test/support/job-runs.ts';
import { kube } from '../../test/support/kube.ts';
import { namespaceUid } from '../../test/support/namespace-uids.ts';
import { installCrds } from '../../test/support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../test/support/operator.ts';
import { podRunner, type PodRunner } from '../../test/support/pod-runner.ts';
import { waitFor } from '../../test/support/wait.ts';
import { generateTree, measureCp, measureStoreFloor, timed, type StoreFloor, type Timed, type TreeShape } from './transfer-measure.ts';
import { benchCluster } from './cluster.ts';
import { hashCacheEnv } from '../../src/transfer/hash-cache.ts';
import { benchCli } from './shipped-cli.ts';

// Moving file sets through the operator's transfer API and MinIO on loopback, beside a raw `cp -r`
// of the same tree and MinIO's own floor (curl through presigned URLs) in the same run: push (hash,
// presigned PUTs, commit), pull (presigned GETs, verify, rename into place) and the unchanged
// re-push (hash, one HEAD, commit; no bytes), once hashing every byte and once with the hash cache.
// The mover runs as its own process, as in a pod, with a real Job's pod token (kwok runs no
// containers, so this plays the kubelet for the mover).
// Figures, ratios and targets are printed; nothing passes or fails on a number.

const MiB = 2 ** 20;
// The mover's default: files moved at once.
const moverConcurrency = 8;

const shapes: TreeShape[] = [
  { name: 'large', label: '1 × 1 GiB', files: 1, fileBytes: 1024 * MiB },
  { name: 'medium', label: '100 × 10 MiB', files: 100, fileBytes: 10 * MiB },
  { name: 'small', label: '10,000 × 100 KiB', files: 10_000, fileBytes: 100 * 1024 },
];

/** The figures of one tree. */
interface TreeFigures {
  shape: TreeShape;
  cp: Timed;
  floor: StoreFloor;
  push: Timed;
  pull: Timed;
  repush: Timed;
  repushBytes: number;
  /** The same unchanged re-push once more, with the hash cache the pull filled. */
  cachedRepush: Timed;
  cachedRepushBytes: number;
  operatorPeakRssBytes: number;
}

async function operatorCpuSeconds(operator: RunningOperator): Promise<number> {
  const text = await (await fetch(`${operator.metricsUrl}/metrics`)).text();
  return Number(/^process_cpu_seconds_total ([\d.e+-]+)/m.exec(text)?.[1] ?? NaN);
}

/** Runs `tessera transfer <verb>` as the pod's container would, timed, with the operator's CPU meanwhile. */
async function timedMover(runner: PodRunner, operator: RunningOperator, verb: 'pull' | 'push', hashCache?: string): Promise<Timed> {
  // TESSERA_BENCH_MOVER_NODE_ARGS passes flags to node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = process.env.TESSERA_BENCH_MOVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_ROOT: runner.root, TESSERA_TRANSFER_URL: operator.transferUrl, TESSERA_TOKEN_FILE: runner.tokenFile };
  delete env[hashCacheEnv];
  if (hashCache) env[hashCacheEnv] = hashCache;
  const before = await operatorCpuSeconds(operator);
  const result = await timed([process.execPath, ...nodeArgs, benchCli().path, 'transfer', verb], env);
  return { ...result, operatorCpuSeconds: (await operatorCpuSeconds(operator)) - before };
}

/** Samples the operator's resident memory from its /metrics until stopped; the peak. */
function sampleOperatorRss(operator: RunningOperator): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async (): Promise<void> => {
    while (running) {
      const text = await fetch(`${operator.metricsUrl}/metrics`).then((r) => r.text()).catch(() => '');
      const value = Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0);
      peak = Math.max(peak, value);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

// Every pod root the bench made (a tree moves into one), removed at the end even after a failure.
const runnerRoots: string[] = [];

/** A run of Job `name` (created now) and a runner for its mover, once the mover may start. */
async function startRun(namespace: string, name: string, spec: Record<string, unknown>, transferUrl: string): Promise<PodRunner> {
  // Main "runs" long enough for any pull; producers' mains exit at once so their push may start.
  const runFor = spec.outputs ? '1s' : '3600s';
  // On kwok nodes only: a run on the real node would try to pull the simulated image.
  applyTesseraJob(namespace, name, { image: 'local/sim:1', nodeSelector: { type: 'kwok' }, ...spec }, { 'sim.tessera.dev/run-for': runFor });
  const runner = await podRunner(await podOfJob(namespace, name, () => true, 120_000), transferUrl);
  runnerRoots.push(runner.root);
  return runner;
}

/** Moves `tree` into a producer Job's output and times its push (after main exited). */
async function timedPush(
  { namespace, operator }: Pick<BenchContext, 'namespace' | 'operator'>,
  job: string,
  tree: string,
  hashCache?: string,
): Promise<{ timed: Timed; runner: PodRunner; done: TesseraJob }> {
  const runner = await startRun(namespace, job, { outputs: [{ name: 'out' }] }, operator.transferUrl);
  await runner.pull();
  const out = join(runner.root, 'outputs', 'out');
  await rm(out, { recursive: true });
  await rename(tree, out);
  await jobInPhase(namespace, job, 'Uploading', 120_000);
  const result = await timedMover(runner, operator, 'push', hashCache);
  const done = await jobInPhase(namespace, job, 'Succeeded', 120_000);
  return { timed: result, runner, done };
}

function committedEvent(pushed: Timed): Record<string, unknown> {
  const event = pushed.events.find((e) => e.msg === 'committed the outputs');
  if (!event) throw new Error(`the push reported no commit: ${JSON.stringify(pushed.events)}`);
  return event;
}

/** Every object a tree's file set left in the store, for the clean-up. */
async function storedKeys(store: S3BlobStore, digest: string, namespace: string): Promise<string[]> {
  const manifest = await readManifest(store, digest);
  return [...new Set(manifest.entries.map((e) => blobKey(e.digest))), manifestKey(digest), holdingKey(await namespaceUid(namespace), digest)];
}

interface BenchContext {
  namespace: string;
  operator: RunningOperator;
  store: S3BlobStore;
  base: string;
}

async function benchTree(ctx: BenchContext, shape: TreeShape): Promise<TreeFigures> {
  const { namespace, operator } = ctx;
  const url = operator.transferUrl;
  const src = join(ctx.base, 'src');
  await generateTree(src, shape);
  const rss = sampleOperatorRss(operator);
  const cp = await measureCp(src, ctx.base);
  const floor = await measureStoreFloor(ctx.store, { src, base: ctx.base, shape, parallel: moverConcurrency });
  const pushed = await timedPush(ctx, `push-${shape.name}`, src);
  const digest = pushed.done.status?.outputs?.find((o) => o.name === 'out')?.digest ?? '';
  await rm(pushed.runner.root, { recursive: true, force: true });

  const consumer = await startRun(namespace, `pull-${shape.name}`, { inputs: [{ name: 'data', jobOutput: { job: `push-${shape.name}`, output: 'out' } }] }, url);
  // The pull fills a hash cache, as the mover keeps one when TESSERA_HASH_CACHE names it.
  const hashCache = join(ctx.base, 'hash-cache.json');
  const pull = await timedMover(consumer, operator, 'pull', hashCache);
  const repushed = await repushes(ctx, shape, join(consumer.root, 'inputs', 'data'), hashCache);
  const operatorPeakRssBytes = await rss.stop();
  await rm(consumer.root, { recursive: true, force: true });
  await ctx.store.delete(await storedKeys(ctx.store, digest, namespace));
  return { shape, cp, floor, push: pushed.timed, pull, ...repushed, operatorPeakRssBytes };
}

/**
 * The pulled tree pushed again unchanged by two more producers: the first without the hash cache
 * (every byte hashed), the second (the same files, moved on) with the cache the pull filled.
 */
async function repushes(ctx: BenchContext, shape: TreeShape, pulledTree: string, hashCache: string): Promise<Pick<TreeFigures, 'repush' | 'repushBytes' | 'cachedRepush' | 'cachedRepushBytes'>> {
  const again = await timedPush(ctx, `repush-${shape.name}`, pulledTree);
  const cached = await timedPush(ctx, `repush-cached-${shape.name}`, join(again.runner.root, 'outputs', 'out'), hashCache);
  for (const root of [again.runner.root, cached.runner.root]) await rm(root, { recursive: true, force: true });
  return {
    repush: again.timed,
    repushBytes: Number(committedEvent(again.timed).uploadedBytes ?? NaN),
    cachedRepush: cached.timed,
    cachedRepushBytes: Number(committedEvent(cached.timed).uploadedBytes ?? NaN),
  };
}

const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const mib = (bytes: number | undefined): string => (bytes === undefined ? '-' : `${fixed(bytes / MiB, 0)} MiB`);

/** When the mover's own events say each phase ended, in seconds from the process's start. */
function phases(t: Timed): string {
  const times = t.events.map((e) => `${String(e.msg)} +${fixed((Date.parse(String(e.time)) - t.startedAt) / 1000, 2)}s`);
  return [...times, `exit +${fixed(t.seconds, 2)}s`].join(', ');
}

function cpuColumn(t: Timed): string {
  const operatorCpu = t.operatorCpuSeconds === undefined ? '' : ` + operator ${fixed(t.operatorCpuSeconds, 2)}`;
  return t.cpuSeconds === undefined ? '-' : `mover ${fixed(t.cpuSeconds, 2)}${operatorCpu}`;
}

function printTree(f: TreeFigures): void {
  const bytes = f.shape.files * f.shape.fileBytes;
  const rate = (t: Timed): string => `${fixed(bytes / 1e6 / t.seconds)} MB/s, ${fixed(f.shape.files / t.seconds, 0)} files/s`;
  const ratio = (t: Timed): string => `${fixed(f.cp.seconds / t.seconds, 2)}x cp`;
  const large = f.shape.fileBytes >= 10 * MiB ? '>= 0.9x MinIO floor' : '-';
  const perThousand = (t: Timed): string => `${fixed((t.seconds / f.shape.files) * 1000, 2)} s per 1,000 files`;
  const repushTarget = f.shape.files >= 1000 ? '<= 1 s per 1,000 files, 0 bytes' : `<= ${fixed(bytes / 2 ** 30, 1)} s (1 s per GiB), 0 bytes`;
  const perGiB = (t: Timed): string => (t.cpuSeconds === undefined ? '-' : `${fixed(t.cpuSeconds / (bytes / 2 ** 30), 2)} CPU-s per GiB`);
  console.log(`\n${f.shape.label} (${fixed(bytes / 1e6, 0)} MB)`);
  console.log(['step', 'seconds', 'throughput', 'ratio', 'CPU seconds', 'mover peak RSS', 'target'].join(' | '));
  const floorRatio = (t: Timed, floor: Timed): string => `${ratio(t)}, ${fixed(floor.seconds / t.seconds, 2)}x MinIO floor`;
  console.log(['cp -r (baseline)', fixed(f.cp.seconds, 2), rate(f.cp), '1.00x cp', cpuColumn(f.cp).replace('mover', 'cp'), '-', '-'].join(' | '));
  console.log(['MinIO floor: curl PUT', fixed(f.floor.put.seconds, 2), rate(f.floor.put), ratio(f.floor.put), cpuColumn(f.floor.put).replace('mover', 'curl'), '-', '-'].join(' | '));
  console.log(['MinIO floor: curl GET', fixed(f.floor.get.seconds, 2), rate(f.floor.get), ratio(f.floor.get), cpuColumn(f.floor.get).replace('mover', 'curl'), '-', '-'].join(' | '));
  console.log(['push', fixed(f.push.seconds, 2), rate(f.push), floorRatio(f.push, f.floor.put), cpuColumn(f.push), mib(f.push.maxRssBytes), large].join(' | '));
  console.log(['pull', fixed(f.pull.seconds, 2), rate(f.pull), floorRatio(f.pull, f.floor.get), `${cpuColumn(f.pull)} (${perGiB(f.pull)})`, mib(f.pull.maxRssBytes), `${large}; <= 1.5 CPU-s per GiB; <= 100 MiB`].join(' | '));
  console.log(['unchanged re-push', fixed(f.repush.seconds, 2), `${perThousand(f.repush)}, ${f.repushBytes} bytes moved`, '-', cpuColumn(f.repush), mib(f.repush.maxRssBytes), repushTarget].join(' | '));
  console.log(['unchanged re-push, hash cache', fixed(f.cachedRepush.seconds, 2), `${perThousand(f.cachedRepush)}, ${f.cachedRepushBytes} bytes moved`, '-', cpuColumn(f.cachedRepush), mib(f.cachedRepush.maxRssBytes), repushTarget].join(' | '));
  printPhases(f);
}

function printPhases(f: TreeFigures): void {
  console.log(`operator peak RSS during this tree: ${mib(f.operatorPeakRssBytes)}`);
  console.log(`  push: ${phases(f.push)}`);
  console.log(`  pull: ${phases(f.pull)}`);
  console.log(`  re-push: ${phases(f.repush)}`);
  console.log(`  re-push with the hash cache: ${phases(f.cachedRepush)}`);
}

async function freshNamespace(name: string): Promise<void> {
  const { core } = kube();
  await core.createNamespace({ body: { metadata: { name, labels: { 'tessera.dev/bench': 'transfer' } } } });
  await waitFor(`ServiceAccount in ${name}`, async () => Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace: name })));
}

function benchStore(): S3BlobStore {
  const env = clusterEnv();
  return s3BlobStore({ endpoint: env.s3Endpoint, region: 'us-east-1', bucket: 'tessera', accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey });
}

/** Runs the transfer benchmark and prints its figures. Args: tree names (large, medium, small); default all. */
export async function benchTransfer(args: string[]): Promise<void> {
  const chosen = args.length ? shapes.filter((s) => args.includes(s.name)) : shapes;
  benchCluster();
  installCrds();
  const namespace = `bench-transfer-${Date.now().toString(36)}`;
  await freshNamespace(namespace);
  const operator = await startOperator(namespace, ['--no-leader-elect'], { cli: benchCli().path });
  const base = await mkdtemp(join(tmpdir(), 'tessera-bench-transfer-'));
  const store = benchStore();
  console.log(`bench transfer: ${chosen.map((s) => s.label).join('; ')} of random bytes, through MinIO on loopback`);
  console.log('cp -r runs first on the freshly written tree; no cache is dropped between steps (each step starts after a sync), so every step reads from the page cache.');
  console.log(`MinIO floor: curl PUTs (SHA-256 bound, as the mover's) and GETs the same files through presigned URLs, ${moverConcurrency} at a time, no Tessera code in the path.`);
  try {
    for (const shape of chosen) {
      const ctx = { namespace, operator, store, base: await mkdtemp(join(base, `${shape.name}-`)) };
      printTree(await benchTree(ctx, shape));
      await rm(ctx.base, { recursive: true, force: true });
    }
  } finally {
    await operator.stop();
    store.close();
    for (const dir of [base, ...runnerRoots]) await rm(dir, { recursive: true, force: true });
    await kube().core.deleteNamespace({ name: namespace });
  }
}
