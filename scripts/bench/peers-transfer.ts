import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdingKey } from '../../src/storage/access.ts';
import { readManifest } from '../../src/storage/manifest-io.ts';
import { blobKey, manifestKey } from '../../src/storage/manifest.ts';
import { s3BlobStore, type S3BlobStore } from '../../src/storage/object-store.ts';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { applyTesseraJob, jobInPhase, podOfJob } from '../../test/support/job-runs.ts';
import { kube } from '../../test/support/kube.ts';
import { namespaceUid } from '../../test/support/namespace-uids.ts';
import { startOperator, type RunningOperator } from '../../test/support/operator.ts';
import { podRunner, type PodRunner } from '../../test/support/pod-runner.ts';
import { waitFor } from '../../test/support/wait.ts';
import { generateTree, timed, treePaths, type Timed, type TreeShape } from './transfer-measure.ts';
import { deleteNamespace } from './peers-measure.ts';
import { rcloneStats, type TransferFigures } from './peers-report.ts';
import { benchCli } from './shipped-cli.ts';

// rclone beside Tessera's mover on the same trees and the same local S3 store (the one the transfer
// bench and the operator use). Tessera's side runs as the transfer bench runs it: a producer Job's
// push after main exited, then a consumer Job's pull, each `tessera transfer` a process of its own
// with a real pod token (kwok runs no containers, so this plays the kubelet). rclone's side is
// `rclone copy` of the same tree up to the store and back down, its remote given by environment
// (the secret key never on a command line), as many files at once as the mover moves (8).

const MiB = 2 ** 20;
const parallel = 8;

export const trees: TreeShape[] = [
  { name: 'large', label: '1 × 1 GiB', files: 1, fileBytes: 1024 * MiB },
  { name: 'medium', label: '100 × 10 MiB', files: 100, fileBytes: 10 * MiB },
  { name: 'small', label: '10,000 × 100 KiB', files: 10_000, fileBytes: 100 * 1024 },
];

function store(): S3BlobStore {
  const env = clusterEnv();
  return s3BlobStore({ endpoint: env.s3Endpoint, region: 'us-east-1', bucket: 'tessera', accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey });
}

/** rclone's remote `store:` from the environment: the cluster's S3 store, with its provider's quirks. */
function rcloneEnv(configFile: string): NodeJS.ProcessEnv {
  const env = clusterEnv();
  const provider = env.s3Endpoint === env.stores.seaweedfs ? 'SeaweedFS' : 'Minio';
  return {
    ...process.env,
    RCLONE_CONFIG: configFile,
    RCLONE_CONFIG_STORE_TYPE: 's3',
    RCLONE_CONFIG_STORE_PROVIDER: provider,
    RCLONE_CONFIG_STORE_ENDPOINT: env.s3Endpoint,
    RCLONE_CONFIG_STORE_REGION: 'us-east-1',
    RCLONE_CONFIG_STORE_ACCESS_KEY_ID: env.s3AccessKey,
    RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY: env.s3SecretKey,
  };
}

interface Ctx {
  store: S3BlobStore;
  namespace: string;
  operator: RunningOperator;
  rclone: string;
  base: string;
  roots: string[];
}

/** `rclone copy from to`, timed; throws unless rclone says it moved every file without an error. */
async function timedRclone(ctx: Ctx, from: string, to: string, shape: TreeShape): Promise<Timed> {
  const logFile = join(ctx.base, 'rclone.log');
  const configFile = join(ctx.base, 'rclone.conf');
  await writeFile(configFile, '');
  const flags = ['--transfers', String(parallel), '--checkers', String(parallel), '--use-json-log', '--stats', '1h', '--stats-log-level', 'NOTICE', '--log-file', logFile];
  const result = await timed([ctx.rclone, 'copy', from, to, ...flags], rcloneEnv(configFile));
  const stats = rcloneStats(await readFile(logFile, 'utf8'));
  await rm(logFile, { force: true });
  if (stats.errors > 0 || stats.transfers !== shape.files) throw new Error(`rclone copy ${from} ${to}: ${stats.transfers} of ${shape.files} files, ${stats.errors} errors`);
  return result;
}

/** rclone's push (the tree up to a scratch prefix) and pull (back down); the scratch objects are deleted. */
async function rcloneSide(ctx: Ctx, shape: TreeShape, src: string): Promise<{ push: Timed; pull: Timed }> {
  const prefix = `bench-rclone/${Date.now().toString(36)}-${shape.name}`;
  const down = join(ctx.base, 'rclone-down');
  const push = await timedRclone(ctx, src, `store:tessera/${prefix}`, shape);
  const pull = await timedRclone(ctx, `store:tessera/${prefix}`, down, shape);
  await ctx.store.delete(treePaths(shape).map((p) => `${prefix}/${p}`));
  await rm(down, { recursive: true, force: true });
  return { push, pull };
}

async function timedMover(runner: PodRunner, operator: RunningOperator, verb: 'pull' | 'push'): Promise<Timed> {
  const env = { ...process.env, TESSERA_ROOT: runner.root, TESSERA_TRANSFER_URL: operator.transferUrl, TESSERA_TOKEN_FILE: runner.tokenFile };
  return timed([process.execPath, benchCli().path, 'transfer', verb], env);
}

/** A run of Job `name` on a kwok node and a runner for its mover (the transfer bench's way). */
async function startRun(ctx: Ctx, name: string, spec: Record<string, unknown>): Promise<PodRunner> {
  const runFor = spec.outputs ? '1s' : '3600s';
  applyTesseraJob(ctx.namespace, name, { image: 'local/sim:1', nodeSelector: { type: 'kwok' }, ...spec }, { 'sim.tessera.dev/run-for': runFor });
  const runner = await podRunner(await podOfJob(ctx.namespace, name, () => true, 120_000), ctx.operator.transferUrl);
  ctx.roots.push(runner.root);
  return runner;
}

/** Every object a pushed tree left in the store (its blobs, manifest and holding), for the clean-up. */
async function storedKeys(s3: S3BlobStore, digest: string, namespace: string): Promise<string[]> {
  const manifest = await readManifest(s3, digest);
  return [...new Set(manifest.entries.map((e) => blobKey(e.digest))), manifestKey(digest), holdingKey(await namespaceUid(namespace), digest)];
}

/** Tessera's push (a producer Job's output, after its main exited) and pull (a consumer Job's input); `src` moves into the producer. */
async function tesseraSide(ctx: Ctx, shape: TreeShape, src: string): Promise<{ push: Timed; pull: Timed }> {
  const { namespace, operator } = ctx;
  const producer = await startRun(ctx, `push-${shape.name}`, { outputs: [{ name: 'out' }] });
  await producer.pull();
  const out = join(producer.root, 'outputs', 'out');
  await rm(out, { recursive: true });
  await rename(src, out);
  await jobInPhase(namespace, `push-${shape.name}`, 'Uploading', 120_000);
  const push = await timedMover(producer, operator, 'push');
  const done = await jobInPhase(namespace, `push-${shape.name}`, 'Succeeded', 120_000);
  const digest = done.status?.outputs?.find((o) => o.name === 'out')?.digest ?? '';
  await rm(producer.root, { recursive: true, force: true });
  const consumer = await startRun(ctx, `pull-${shape.name}`, { inputs: [{ name: 'data', jobOutput: { job: `push-${shape.name}`, output: 'out' } }] });
  const pull = await timedMover(consumer, operator, 'pull');
  await rm(consumer.root, { recursive: true, force: true });
  await ctx.store.delete(await storedKeys(ctx.store, digest, namespace));
  return { push, pull };
}

async function benchTree(ctx: Ctx, shape: TreeShape): Promise<TransferFigures[]> {
  const src = join(ctx.base, 'src');
  await generateTree(src, shape);
  const rclone = await rcloneSide(ctx, shape, src);
  const tessera = await tesseraSide(ctx, shape, src);
  const figures = (direction: 'push' | 'pull'): TransferFigures => ({
    tree: shape.label,
    direction,
    bytes: shape.files * shape.fileBytes,
    tesseraS: tessera[direction].seconds,
    rcloneS: rclone[direction].seconds,
    tesseraCpuS: tessera[direction].cpuSeconds,
    rcloneCpuS: rclone[direction].cpuSeconds,
    tesseraRssBytes: tessera[direction].maxRssBytes,
    rcloneRssBytes: rclone[direction].maxRssBytes,
  });
  return [figures('push'), figures('pull')];
}

/**
 * Moves each tree up and down with rclone, then with Tessera's mover; calls `report` as each tree
 * is done; what either left in the store is deleted.
 */
export async function benchTransfers(rclone: string, chosen: readonly TreeShape[], report: (figures: TransferFigures[]) => void): Promise<void> {
  const { core } = kube();
  const namespace = `peers-transfer-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor(`ServiceAccount in ${namespace}`, async () => Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace })));
  const operator = await startOperator(namespace, ['--no-leader-elect'], { cli: benchCli().path });
  const base = await mkdtemp(join(tmpdir(), 'tessera-bench-peers-'));
  const roots: string[] = [];
  const s3 = store();
  try {
    for (const shape of chosen) {
      const ctx = { store: s3, namespace, operator, rclone, base: await mkdtemp(join(base, `${shape.name}-`)), roots };
      report(await benchTree(ctx, shape));
      await rm(ctx.base, { recursive: true, force: true });
    }
  } finally {
    // Its Jobs' finalizers need the operator: it stops once the namespace is gone.
    deleteNamespace(namespace);
    await operator.stop();
    s3.close();
    for (const dir of [base, ...roots]) await rm(dir, { recursive: true, force: true });
  }
}
