import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/api/dataset.ts';
import type { TesseraJob } from '../../src/api/job.ts';
import { batchJobName } from '../../src/controllers/job/names.ts';
import { blobKey } from '../../src/storage/manifest.ts';
import { resultAnnotation } from '../../src/storage/result-record.ts';
import { applyTesseraJob, batchJobsOf, endUploadWithoutResult, jobInPhase, podOfJob, waitForTesseraJob } from '../support/job-runs.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, podToken, type PodRunner } from '../support/pod-runner.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { adminS3, callTransfer, overwriteObject, readObject } from '../support/transfer-calls.ts';

// A run's credentials reach only its own file sets, proven through the real operator, API server
// and MinIO: namespace A computes, namespace B owns data. Refusals happen before anything runs
// (no batch Job), at the transfer API (a pod token opens only its run's inputs and outputs), and
// when results are read back (a forged result record is worthless). Kwok pods run no containers,
// so the test plays the kubelet for the mover (pod-runner.ts).

const nsA = useNamespace(import.meta.filename, 'a');
const nsB = useNamespace(import.meta.filename, 'b');
const { core } = kube();
let operator: RunningOperator;
let scratch = '';
const runnerRoots: string[] = [];

/** A runner for the pod's mover whose stand-in /tessera is removed after the file's tests. */
async function runnerFor(pod: k8s.V1Pod): Promise<PodRunner> {
  const runner = await podRunner(pod, operator.transferUrl);
  runnerRoots.push(runner.root);
  return runner;
}

// The store outlives test runs and dedupes by content: fresh bytes per run keep digests our own.
const runSeed = randomBytes(6).toString('hex');

/** `count` files of `size` bytes each, unique to this run: manifest path → bytes. */
function treeOf(label: string, count: number, size: number): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.alloc(size);
    for (let offset = 0, block = 0; offset < size; offset += 32, block++) createHash('sha256').update(`${runSeed}/${label}/${i}/${block}`).digest().copy(bytes, offset);
    files.set(`part-${String(i).padStart(2, '0')}.bin`, bytes);
  }
  return files;
}

async function writeTree(dir: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [path, bytes] of files) await writeFile(join(dir, path), bytes);
}

const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Pushes `files` as Dataset `name` in `namespace` with the CLI; its digest. */
async function pushDataset(namespace: string, name: string, files: ReadonlyMap<string, Buffer>, extraArgs: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(scratch, `${name}-`));
  await writeTree(dir, files);
  await tesseraCli(['dataset', 'push', dir, '--name', name, '-n', namespace, ...extraArgs]);
  return kubectlGet<Dataset>(namespace, 'datasets.tessera.dev', name).status?.digest ?? '';
}

/** path → bytes of every regular file under `dir`, and every other name found there. */
async function listTree(dir: string): Promise<{ files: Map<string, Buffer>; others: string[] }> {
  const files = new Map<string, Buffer>();
  const others: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const relative = path.slice(dir.length + 1);
    if ((await lstat(path)).isFile() && !entry.name.endsWith('.partial')) files.set(relative, await readFile(path));
    else others.push(relative);
  }
  return { files, others };
}

const refused = (job: TesseraJob | undefined): boolean => job?.status?.phase === 'Failed';

beforeAll(async () => {
  installCrds();
  operator = await startOperator('transfer-security');
  scratch = await mkdtemp(join(tmpdir(), 'tessera-transfer-security-'));
});
afterAll(async () => {
  await operator?.stop();
  for (const dir of [scratch, ...runnerRoots]) await rm(dir, { recursive: true, force: true });
});

describe("a Job in namespace A and namespace B's Datasets", () => {
  const privateFiles = treeOf('private', 2, 4096);
  const sharedFiles = treeOf('shared', 3, 2048);
  let privateDigest = '';
  let sharedDigest = '';

  beforeAll(async () => {
    privateDigest = await pushDataset(nsB.name, 'private', privateFiles);
    sharedDigest = await pushDataset(nsB.name, 'shared', sharedFiles, ['--read', nsA.name]);
  });

  it("fails Unauthorized, naming B, without a batch Job, when B's Dataset does not let A read it; runs when it does", async () => {
    applyTesseraJob(nsA.name, 'steal', { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'private', namespace: nsB.name } }] });
    const denied = await waitForTesseraJob(nsA.name, 'steal', refused, { what: 'Failed' });
    expect(denied.status).toMatchObject({ reason: 'Unauthorized', message: `input data: Dataset ${nsB.name}/private does not let namespace ${nsA.name} read its bytes` });
    expect(denied.status?.inputs ?? []).toEqual([]);
    expect(await batchJobsOf(nsA.name, 'steal')).toHaveLength(0);

    applyTesseraJob(nsA.name, 'borrow', { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'shared', namespace: nsB.name } }] }, { 'sim.tessera.dev/run-for': '1s' });
    const runner = await runnerFor(await podOfJob(nsA.name, 'borrow'));
    await runner.pull();
    expect((await listTree(join(runner.root, 'inputs', 'data'))).files).toEqual(sharedFiles);
    await runner.push();
    const done = await jobInPhase(nsA.name, 'borrow', 'Succeeded');
    expect(done.status?.inputs).toEqual([{ name: 'data', digest: sharedDigest, version: 1, source: `dataset ${nsB.name}/shared v1` }]);
  });

  it("fails Unauthorized, without a batch Job, when it pins a digest of B's that A was never granted", async () => {
    applyTesseraJob(nsA.name, 'pin', { image: 'local/sim:1', inputs: [{ name: 'data', fileSet: { digest: privateDigest } }] });
    const denied = await waitForTesseraJob(nsA.name, 'pin', refused, { what: 'Failed' });
    expect(denied.status).toMatchObject({ reason: 'Unauthorized', message: `namespace ${nsA.name} was never granted the file set ${privateDigest}` });
    expect(await batchJobsOf(nsA.name, 'pin')).toHaveLength(0);
  });

  describe("the transfer API, called with a pod's token", () => {
    let token = '';
    const call = (route: string, body?: unknown): ReturnType<typeof callTransfer> => callTransfer(operator.transferUrl, route, token, body);

    beforeAll(async () => {
      // Main runs for a minute: long enough for every call below to find it running.
      applyTesseraJob(
        nsA.name,
        'holder',
        { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'shared', namespace: nsB.name } }], outputs: [{ name: 'model' }] },
        { 'sim.tessera.dev/run-for': '60s' },
      );
      token = await podToken(await podOfJob(nsA.name, 'holder'));
      // The positive control, once the operator's cache holds the pod: the token opens the run's own input.
      const own = await waitFor('the transfer API to know the pod', async () => {
        const answer = await call('POST /v1/download', { digest: sharedDigest });
        return answer.status === 200 ? answer : undefined;
      });
      expect(Object.keys(own.body.blobUrls as object)).toHaveLength(sharedFiles.size);
    });

    it("refuses presigned GETs for B's file set that the run does not read: 403 Forbidden", async () => {
      expect(await call('POST /v1/download', { digest: privateDigest })).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
    });

    it('refuses presigned PUTs for an output the Job does not declare: 403 Forbidden', async () => {
      const offer = { manifestDigest: `sha256:${sha256Hex(randomBytes(8))}`, blobs: [{ digest: `sha256:${sha256Hex(randomBytes(8))}`, size: 8 }] };
      expect(await call('POST /v1/upload', { output: 'stolen', ...offer })).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
      expect(await call('POST /v1/upload', { output: 'data', ...offer })).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
      // The declared output is writable with the same token.
      expect(await call('POST /v1/upload', { output: 'model', ...offer })).toMatchObject({ status: 200, body: { manifestExists: false } });
    });

    it('refuses a commit while the main container still runs: 409 NotReady', async () => {
      const commit = { outputs: [{ name: 'model', manifest: { version: 1, entries: [] } }] };
      expect(await call('POST /v1/commit', commit)).toMatchObject({ status: 409, body: { reason: 'NotReady' } });
      const pod = await podOfJob(nsA.name, 'holder');
      expect(pod.metadata?.annotations?.[resultAnnotation]).toBeUndefined();
    });

    it('refuses no token, a malformed one, and a pod token for another audience: 401 Unauthenticated', async () => {
      const otherAudience = await podToken(await podOfJob(nsA.name, 'holder'), 'tessera.dev/other');
      for (const bearer of [undefined, 'not-a-token', otherAudience]) {
        expect(await callTransfer(operator.transferUrl, 'GET /v1/run', bearer)).toMatchObject({ status: 401, body: { reason: 'Unauthenticated' } });
      }
    });

    it("refuses tokens of pods that are not a Tessera Job's run: unknown 404, labelled as one 403", async () => {
      const real = await podOfJob(nsA.name, 'holder');
      // Never scheduled: the token only needs the pod to exist.
      const podSpec = { containers: [{ name: 'main', image: 'local/sim:1' }], nodeSelector: { 'tessera.dev/nowhere': 'true' } };
      const plain = await core.createNamespacedPod({ namespace: nsA.name, body: { metadata: { name: 'plain' }, spec: podSpec } });
      // Anyone who may create pods in A can copy a run's labels (job name and uid included).
      const lookalike = await core.createNamespacedPod({ namespace: nsA.name, body: { metadata: { name: 'lookalike', labels: real.metadata?.labels }, spec: podSpec } });
      try {
        expect(await callTransfer(operator.transferUrl, 'GET /v1/run', await podToken(plain))).toMatchObject({ status: 404, body: { reason: 'NotFound' } });
        const lookalikeToken = await podToken(lookalike);
        const answer = await waitFor('the operator to see the lookalike pod', async () => {
          const got = await callTransfer(operator.transferUrl, 'POST /v1/download', lookalikeToken, { digest: sharedDigest });
          return got.status === 404 ? undefined : got;
        });
        expect(answer).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
      } finally {
        for (const name of ['plain', 'lookalike']) await core.deleteNamespacedPod({ namespace: nsA.name, name, gracePeriodSeconds: 0 });
      }
    });

    it('logs the refusals without any token text', async () => {
      // Only this operator's lines: every operator on the shared cluster reconciles every namespace.
      const pid = `"pid":${operator.process.pid},`;
      const lines = (await readFile(operator.logFile, 'utf8')).split('\n').filter((line) => line.includes(pid));
      const refusals = lines.filter((line) => line.includes('transfer request refused'));
      const reasons = new Set(refusals.map((line) => /"reason":"(\w+)","msg"/.exec(line)?.[1]));
      expect([...reasons].sort()).toEqual(['Forbidden', 'NotFound', 'NotReady', 'Unauthenticated']);
      // A JWT's signature alone is enough to recognise (or replay) it; any JWT starts with "eyJ".
      const signature = token.split('.')[2] ?? token;
      expect(signature.length).toBeGreaterThan(20);
      const leaks = lines.filter((line) => line.includes(signature) || line.includes('not-a-token') || /eyJ[\w-]{10,}\.[\w-]{10,}/.test(line));
      expect(leaks).toEqual([]);
    });
  });

  it("ends a run whose pod carries a forged result (naming B's digest) Failed with ResultMissing, recording none of it", async () => {
    applyTesseraJob(nsA.name, 'forged', { image: 'local/sim:1', outputs: [{ name: 'model' }], retries: 0 }, { 'sim.tessera.dev/run-for': '1s' });
    const pod = await podOfJob(nsA.name, 'forged');
    // Kwok ends a pod whose main exited once a result annotation is there, as if the push committed.
    const forged = JSON.stringify({ outputs: [{ name: 'model', digest: privateDigest, files: privateFiles.size, bytes: 8192 }], sig: 'ab'.repeat(32) });
    kubectl(['annotate', '-n', nsA.name, 'pod', pod.metadata!.name!, '--overwrite', `${resultAnnotation}=${forged}`]);
    const failed = await waitForTesseraJob(nsA.name, 'forged', refused, { what: 'Failed' });
    expect(failed.status?.reason).toBe('ResultMissing');
    expect(failed.status?.outputs ?? []).toEqual([]);
    expect(JSON.stringify(failed.status)).not.toContain(privateDigest);
  });
});

describe('a run whose result went missing', () => {
  it('is retried as a new run with a new batch Job, which succeeds with attempts 2 and its outputs recorded', async () => {
    applyTesseraJob(nsA.name, 'lost', { image: 'local/sim:1', outputs: [{ name: 'model' }], retries: 1 }, { 'sim.tessera.dev/run-for': '1s' });
    const first = await podOfJob(nsA.name, 'lost');
    // Nobody pushes for the first pod: main exits, then its sidecar is killed without a result.
    await jobInPhase(nsA.name, 'lost', 'Uploading');
    endUploadWithoutResult(first);
    // The lost result is retried as run 1 (the ResultMissing status that says so lasts a moment only).
    const retried = await waitForTesseraJob(nsA.name, 'lost', (j) => j.status?.run === 1, { what: 'run 1' });

    const second = await podOfJob(nsA.name, 'lost', (p) => p.metadata?.uid !== first.metadata?.uid);
    const owner = (pod: k8s.V1Pod): string | undefined => pod.metadata?.ownerReferences?.find((r) => r.controller)?.name;
    expect(owner(second)).toBe(batchJobName('lost', retried.metadata.uid ?? '', 1));
    expect(owner(second)).not.toBe(owner(first));

    const runner = await runnerFor(second);
    await runner.pull();
    const model = treeOf('lost-model', 2, 1000);
    await writeTree(join(runner.root, 'outputs', 'model'), model);
    await runner.push();
    const done = await jobInPhase(nsA.name, 'lost', 'Succeeded');
    expect(done.status).toMatchObject({ attempts: 2, priorAttempts: 1, run: 1, podName: second.metadata?.name });
    expect(done.status?.outputs?.find((o) => o.name === 'model')).toMatchObject({ files: 2, bytes: 2000 });
  });
});

describe('a corrupted blob', () => {
  it('fails the pull naming the path and both digests, leaving only verified files in the input directory', async () => {
    const files = treeOf('corrupt', 12, 64 * 1024);
    const digest = await pushDataset(nsA.name, 'rotten', files);
    expect(digest).toMatch(/^sha256:/);
    const victim = 'part-05.bin';
    const original = files.get(victim)!;
    const key = blobKey(`sha256:${sha256Hex(original)}`);
    const s3 = adminS3();
    // Same length, other bytes: what bit rot or a tampering admin would leave.
    const rotten = Buffer.from(original.map((b) => b ^ 0xff));
    await overwriteObject(s3, key, rotten);
    try {
      applyTesseraJob(nsA.name, 'read-rotten', { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'rotten' } }] }, { 'sim.tessera.dev/run-for': '60s' });
      const runner = await runnerFor(await podOfJob(nsA.name, 'read-rotten'));
      const failure = await runner.pull().then(
        () => new Error('the pull succeeded'),
        (error: unknown) => error as Error,
      );
      expect(failure.message).toContain(`${victim}: expected sha256:${sha256Hex(original)}, got sha256:${sha256Hex(rotten)}`);

      const left = await listTree(join(runner.root, 'inputs', 'data'));
      expect(left.others).toEqual([]);
      expect(left.files.has(victim)).toBe(false);
      for (const [path, bytes] of left.files) expect(bytes.equals(files.get(path) ?? Buffer.alloc(0)), path).toBe(true);
    } finally {
      await overwriteObject(s3, key, original);
      expect((await readObject(s3, key)).equals(original)).toBe(true);
      s3.destroy();
    }
  });
});
