import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type * as k8s from '@kubernetes/client-node';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algo } from '../../src/api/algo.ts';
import type { Dataset } from '../../src/api/dataset.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { clusterEnv } from '../support/cluster-env.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, type PodRunner } from '../support/pod-runner.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// File sets end to end, as users drive them: `tessera dataset push` / `algo push`, `kubectl apply`
// of Jobs that read Datasets and each other's outputs, and the mover running the pod's own commands
// (kwok pods run no containers, so the test plays the kubelet for Tessera's containers) against the
// operator's transfer API and the local cluster's MinIO.

const ns = useNamespace(import.meta.filename);
const { core, batch } = kube();
let operator: RunningOperator;
let scratch = '';

beforeAll(async () => {
  installCrds();
  operator = await startOperator('file-sets');
  scratch = await mkdtemp(join(tmpdir(), 'tessera-file-sets-'));
});
afterAll(async () => {
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

function applyJob(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): void {
  kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name, annotations }, spec }));
}

const getJob = (name: string): TesseraJob => kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', name);

async function waitForJob(name: string, check: (job: TesseraJob) => boolean, what: string, timeoutMs = 60_000): Promise<TesseraJob> {
  return waitFor(`Job ${name}: ${what}`, () => {
    const job = getJob(name);
    return check(job) ? job : undefined;
  }, timeoutMs);
}

const inPhase = (name: string, phase: string, timeoutMs?: number): Promise<TesseraJob> =>
  waitForJob(name, (j) => j.status?.phase === phase, `phase ${phase}`, timeoutMs);

/** The pod of a Job's run, once it exists; and a runner for its mover containers. */
async function podOf(job: string): Promise<{ pod: k8s.V1Pod; runner: PodRunner }> {
  const pod = await waitFor(`a pod for Job ${job}`, async () => {
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: `tessera.dev/job=${job}` });
    return pods.items.find((p) => p.metadata?.uid && !p.metadata.deletionTimestamp);
  });
  return { pod, runner: await podRunner(pod, operator.transferUrl) };
}

interface TreeFile {
  path: string;
  bytes: Buffer;
  mode: number;
}

// The store outlives test runs and dedupes by content: a per-run seed keeps "uploaded" counts honest.
const runSeed = randomBytes(6).toString('hex');

function bytesFor(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; offset += 32, block++) createHash('sha256').update(`${runSeed}/${seed}/${block}`).digest().copy(out, offset);
  return out;
}

async function writeTree(root: string, files: readonly TreeFile[]): Promise<void> {
  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, file.bytes);
    await chmod(path, file.mode);
  }
}

/** relative path → "sha256 mode" of every regular file under root. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const stats = await lstat(path);
    if (!stats.isFile()) continue;
    const digest = createHash('sha256').update(await readFile(path)).digest('hex');
    result.set(path.slice(root.length + 1), `${digest} ${(stats.mode & 0o777).toString(8)}`);
  }
  return result;
}

/** The JSON lines a mover command printed, by message. */
function events(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A run that reads and writes file sets: pull first, push as a native sidecar, no token in main. */
function expectMoverPod(spec: k8s.V1PodSpec): void {
  const main = spec.containers[0]!;
  expect(spec.initContainers?.map((c) => [c.name, c.restartPolicy ?? ''])).toEqual([['pull', ''], ['push', 'Always']]);
  expect(main.volumeMounts?.map((m) => [m.mountPath, m.readOnly ?? false])).toEqual([['/tessera/inputs', true], ['/tessera/outputs', false]]);
  const token = spec.volumes?.find((v) => v.projected)?.projected?.sources?.[0]?.serviceAccountToken;
  expect(token?.audience).toBe('tessera.dev/transfer');
  // The main container holds no token of any kind.
  expect(spec.automountServiceAccountToken).toBe(false);
  expect(main.volumeMounts?.some((m) => m.name === 'tessera-token')).toBe(false);
}

describe('Datasets, Jobs and their file sets', () => {
  let datasetDigest = '';
  const datasetDir = (): string => join(scratch, 'dataset');

  it('pushes a Dataset with the CLI as version 1, and a changed tree as version 2', async () => {
    await writeTree(datasetDir(), [
      { path: 'train/a.csv', bytes: bytesFor('a', 5000), mode: 0o644 },
      { path: 'train/b.csv', bytes: bytesFor('b', 7000), mode: 0o644 },
      { path: 'test/c.csv', bytes: bytesFor('c', 300), mode: 0o600 },
    ]);
    const first = await tesseraCli(['dataset', 'push', datasetDir(), '--name', 'cifar', '-n', ns.name]);
    expect(first).toMatch(/is at version 1 \(3 files, 12300 bytes\)/);

    await writeFile(join(datasetDir(), 'train', 'd.csv'), bytesFor('d', 100));
    const second = await tesseraCli(['dataset', 'push', datasetDir(), '--name', 'cifar', '-n', ns.name]);
    // Only the new file moved: the three others were already stored.
    expect(second).toMatch(/1 blobs \(\d+ bytes\) uploaded, 3 already held by /);
    expect(second).toMatch(/is at version 2 \(4 files, 12400 bytes\)/);

    const dataset = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'cifar');
    expect(dataset.status?.history?.map((v) => v.version)).toEqual([2, 1]);
    datasetDigest = dataset.status?.digest ?? '';
    const versions = await tesseraCli(['dataset', 'versions', 'cifar', '-n', ns.name]);
    expect(versions).toMatch(/^VERSION\s+DIGEST\s+FILES\s+BYTES\s+CREATED/);
    expect(versions).toMatch(new RegExp(`^2\\s+current\\s+${datasetDigest}\\s+4\\s+12400`, 'm'));
  });

  it('runs a Job on the Dataset: pulls it, goes Uploading after main exits, records outputs and metrics', async () => {
    applyJob(
      'train',
      { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'cifar' } }], outputs: [{ name: 'model' }] },
      { 'sim.tessera.dev/run-for': '2s' },
    );
    const resolved = await waitForJob('train', (j) => (j.status?.inputs?.length ?? 0) > 0, 'inputs resolved');
    expect(resolved.status?.inputs).toEqual([{ name: 'data', digest: datasetDigest, version: 2, source: `dataset ${ns.name}/cifar v2` }]);

    const { pod, runner } = await podOf('train');
    expectMoverPod(pod.spec!);

    await runner.pull();
    expect(await snapshot(join(runner.root, 'inputs', 'data'))).toEqual(await snapshot(datasetDir()));
    const model: TreeFile[] = [
      { path: 'weights.bin', bytes: bytesFor('w', 20_000), mode: 0o644 },
      { path: 'metrics.json', bytes: Buffer.from('{"accuracy": 0.93, "loss": {"train": 0.2}}'), mode: 0o644 },
    ];
    await writeTree(join(runner.root, 'outputs', 'model'), model);

    await inPhase('train', 'Uploading');
    await runner.push();
    const done = await inPhase('train', 'Succeeded');
    const committed = done.status?.outputs?.find((o) => o.name === 'model');
    expect(committed).toMatchObject({ files: 2, bytes: model.reduce((sum, f) => sum + f.bytes.length, 0) });
    expect(done.status?.metrics).toEqual({ accuracy: 0.93, 'loss.train': 0.2 });

    const pulled = join(scratch, 'pulled-model');
    await tesseraCli(['fileset', 'pull', committed!.digest, pulled, '-n', ns.name]);
    expect(await snapshot(pulled)).toEqual(await snapshot(join(runner.root, 'outputs', 'model')));
  });

  it("hands a 1,000-file output to the next Job with identical bytes and modes; identical outputs upload nothing", async () => {
    const tree: TreeFile[] = Array.from({ length: 1000 }, (_, i) => ({
      path: `d${i % 10}/e${i % 7}/file-${i}.bin`,
      bytes: bytesFor(`tree-${i % 997}`, 1 + ((i * 7919) % 4000)),
      mode: [0o644, 0o755, 0o600, 0o444][i % 4]!,
    }));
    const shape = { image: 'local/sim:1', outputs: [{ name: 'tree' }] };
    applyJob('produce', shape, { 'sim.tessera.dev/run-for': '1s' });
    const producer = await podOf('produce');
    await producer.runner.pull();
    await writeTree(join(producer.runner.root, 'outputs', 'tree'), tree);
    const firstPush = events(await producer.runner.push()).find((e) => e.msg === 'committed the outputs');
    const distinct = new Set(tree.map((f) => createHash('sha256').update(f.bytes).digest('hex'))).size;
    expect(firstPush?.uploadedBlobs).toBe(distinct);
    const produced = await inPhase('produce', 'Succeeded');

    applyJob('consume', { image: 'local/sim:1', inputs: [{ name: 'tree', jobOutput: { job: 'produce', output: 'tree' } }], outputs: [{ name: 'tree' }] }, { 'sim.tessera.dev/run-for': '1s' });
    const consumer = await podOf('consume');
    await consumer.runner.pull();
    expect(await snapshot(join(consumer.runner.root, 'inputs', 'tree'))).toEqual(await snapshot(join(producer.runner.root, 'outputs', 'tree')));

    // The same tree again as the consumer's output: the store has it all, so nothing moves.
    await writeTree(join(consumer.runner.root, 'outputs', 'tree'), tree);
    const secondPush = events(await consumer.runner.push()).find((e) => e.msg === 'committed the outputs');
    expect(secondPush).toMatchObject({ uploadedBlobs: 0, uploadedBytes: 0 });
    const consumed = await inPhase('consume', 'Succeeded');
    expect(consumed.status?.outputs?.find((o) => o.name === 'tree')?.digest).toBe(produced.status?.outputs?.find((o) => o.name === 'tree')?.digest);
  });

  it('runs an Algo pushed with the CLI: its code is pulled to /tessera/code and mounted read-only', async () => {
    const code = join(scratch, 'code');
    await writeTree(code, [
      { path: 'train.js', bytes: Buffer.from('console.log("training")\n'), mode: 0o644 },
      { path: 'lib/util.js', bytes: Buffer.from('export const x = 1;\n'), mode: 0o644 },
    ]);
    const pushed = await tesseraCli(['algo', 'push', code, '--name', 'trainer', '-n', ns.name, '--image', 'local/sim:1', '--category', 'train', '--command', 'node', '/tessera/code/train.js', '--input', 'data', '--output', 'model', '--cpu', '500m']);
    expect(pushed).toMatch(/code sha256:[0-9a-f]{64} \(2 files/);
    await waitFor('Algo trainer Ready', () => kubectlGet<Algo>(ns.name, 'algos.tessera.dev', 'trainer').status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

    applyJob('algo-run', { algoRef: { name: 'trainer' }, inputs: [{ name: 'data', dataset: { name: 'cifar' } }] }, { 'sim.tessera.dev/run-for': '1s' });
    const { pod, runner } = await podOf('algo-run');
    const main = pod.spec!.containers[0]!;
    expect(main).toMatchObject({ image: 'local/sim:1', command: ['node', '/tessera/code/train.js'], resources: { limits: { cpu: '500m' } } });
    expect(main.volumeMounts?.find((m) => m.mountPath === '/tessera/code')).toMatchObject({ readOnly: true, subPath: 'code' });
    await runner.pull();
    expect(await snapshot(join(runner.root, 'code'))).toEqual(await snapshot(code));
    await runner.push();
    const done = await inPhase('algo-run', 'Succeeded');
    expect(done.status?.code?.source).toBe('algo trainer');
  });

  it('imports a Dataset from a URL with a Job it owns, unpacking a tar.gz', async () => {
    const content = join(scratch, 'tarball-content');
    await writeTree(content, [
      { path: 'images/1.png', bytes: bytesFor('img1', 3000), mode: 0o644 },
      { path: 'labels.csv', bytes: Buffer.from('1,cat\n'), mode: 0o644 },
    ]);
    const archive = join(scratch, 'pets.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', content, '.']);
    const server: Server = createServer((req, res) => void readFile(archive).then((bytes) => res.end(bytes)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pets.tar.gz`;
      kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'pets' }, spec: { source: { url } } }));
      const importing = await waitFor('Dataset pets importing', () => {
        const d = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'pets');
        return d.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'Importing') ? d : undefined;
      });
      const jobName = /Job (\S+) imports/.exec(importing.status!.conditions!.find((c) => c.type === 'Ready')!.message)![1]!;
      const { runner } = await podOf(jobName);
      await runner.pull();
      await runner.main();
      await runner.push();
      const ready = await waitFor('Dataset pets Ready', () => {
        const d = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'pets');
        return d.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? d : undefined;
      });
      expect(ready.status).toMatchObject({ version: 1, files: 2, bytes: 3006 });
      const pulled = join(scratch, 'pets-pulled');
      await tesseraCli(['fileset', 'pull', ready.status!.digest!, pulled, '-n', ns.name]);
      expect(await snapshot(pulled)).toEqual(await snapshot(content));
    } finally {
      server.close();
    }
  });
});

describe('the batch Job of a file-set Job', () => {
  it('is not created until its Dataset exists, and waits as InputNotReady meanwhile', async () => {
    applyJob('early', { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'later' } }] });
    const waiting = await waitForJob('early', (j) => j.status?.reason === 'InputNotReady', 'InputNotReady');
    expect(waiting.status).toMatchObject({ phase: 'Pending', message: `input data: Dataset ${ns.name}/later not found` });
    const runs = await batch.listNamespacedJob({ namespace: ns.name, labelSelector: 'tessera.dev/job=early' });
    expect(runs.items).toHaveLength(0);

    const dir = join(scratch, 'later');
    await writeTree(dir, [{ path: 'x', bytes: Buffer.from('x'), mode: 0o644 }]);
    await tesseraCli(['dataset', 'push', dir, '--name', 'later', '-n', ns.name]);
    await waitForJob('early', (j) => j.status?.inputs?.[0]?.source === `dataset ${ns.name}/later v1`, 'inputs resolved once the Dataset exists');
    await podOf('early');
  });
});

describe('a Dataset on a landing-zone prefix', () => {
  it('is indexed in place: the pod hashes, the operator copies verified blobs server-side; a false digest is refused', async () => {
    const env = clusterEnv();
    const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey } });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'tessera-imports' })).catch(() => undefined);
      const files: TreeFile[] = [
        { path: 'scans/1.dcm', bytes: bytesFor('scan1', 9000), mode: 0o644 },
        { path: 'scans/2.dcm', bytes: bytesFor('scan2', 4000), mode: 0o644 },
        { path: 'labels.csv', bytes: Buffer.from('1,benign\n2,malignant\n'), mode: 0o644 },
      ];
      for (const file of files) await s3.send(new PutObjectCommand({ Bucket: 'tessera-imports', Key: `${ns.name}/raw/${file.path}`, Body: file.bytes }));

      kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'landed' }, spec: { source: { prefix: { prefix: 'raw/' } } } }));
      const importing = await waitFor('Dataset landed importing', () => {
        const d = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'landed');
        return d.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'Importing') ? d : undefined;
      });
      const jobName = /Job (\S+) imports/.exec(importing.status!.conditions!.find((c) => c.type === 'Ready')!.message)![1]!;
      const { pod, runner } = await podOf(jobName);
      expect(pod.spec?.containers[0]?.args).toEqual(['transfer', 'index']);
      expect(pod.spec?.initContainers ?? []).toEqual([]);

      // A pod that lies about a digest gets nothing stored.
      const token = (await readFile(runner.tokenFile, 'utf8')).trim();
      const lie = await fetch(`${operator.transferUrl}/v1/index/commit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ entries: files.map((f) => ({ path: f.path, size: f.bytes.length, digest: `sha256:${'0'.repeat(64)}` })) }),
      });
      expect(lie.status).toBe(400);
      expect(await lie.text()).toMatch(/does not hash to/);

      await runner.main();
      const ready = await waitFor('Dataset landed Ready', () => {
        const d = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'landed');
        return d.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? d : undefined;
      });
      expect(ready.status).toMatchObject({ version: 1, files: 3, bytes: files.reduce((sum, f) => sum + f.bytes.length, 0) });
      const pulled = join(scratch, 'landed-pulled');
      await tesseraCli(['fileset', 'pull', ready.status!.digest!, pulled, '-n', ns.name]);
      const want = join(scratch, 'landed-want');
      await writeTree(want, files);
      expect(await snapshot(pulled)).toEqual(await snapshot(want));
    } finally {
      s3.destroy();
    }
  });

  it('on a bucket other than the landing zone is refused with a condition saying why', async () => {
    kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'elsewhere' }, spec: { source: { prefix: { bucket: 'tessera', prefix: 'blobs/' } } } }));
    const refused = await waitFor('Dataset elsewhere refused', () => {
      const d = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'elsewhere');
      return d.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True') ? d : undefined;
    });
    const ready = refused.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(ready?.message).toMatch(/only the landing-zone bucket tessera-imports/);
  });
});
