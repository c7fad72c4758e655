import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/api/dataset.ts';
import { s3BlobStore } from '../../src/storage/object-store.ts';
import { clusterEnv } from '../support/cluster-env.ts';
import { startChecksumRefusingProxy, type ChecksumRefusingProxy, type SeenRequest } from '../support/checksum-refusing-proxy.ts';
import { jobInPhase, podOfJob } from '../support/job-runs.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner } from '../support/pod-runner.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { fileSetBucket } from '../support/transfer-calls.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// checksumMode `off` end to end, against a store that refuses checksum headers as Google Cloud
// Storage's S3 interoperability does: each local store (SeaweedFS, MinIO) behind a proxy that
// answers 400 to any `x-amz-checksum-*` header or parameter. A hospital pushes a Dataset from its
// workstation and a run pushes its outputs; both upload to per-session staging keys, the operator
// hashes each staged blob at commit and copies it under its digest, and both pull back
// byte-identical. The proxy sees every request of the operator, the CLI and the mover.

beforeAll(() => awaitLatePart('minio'), latePartWaitMs);

const env = clusterEnv();
const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function adminOf(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey } });
}

async function keysUnder(s3: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: fileSetBucket, Prefix: prefix })) keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
  return keys;
}

/** Writes under a digest's name: only server-side copies (of verified staged bytes) or the operator's own MD5-bound puts. */
function unboundBlobWrites(seen: readonly SeenRequest[]): SeenRequest[] {
  return seen.filter((r) => r.method === 'PUT' && r.key.startsWith('blobs/') && r.headers['x-amz-copy-source'] === undefined && r.headers['content-md5'] === undefined);
}

describe.each([
  { store: 'seaweedfs', upstream: env.stores.seaweedfs },
  { store: 'minio', upstream: env.stores.minio },
])('checksumMode off through a store that refuses checksum headers ($store)', ({ store, upstream }) => {
  const ns = useNamespace(import.meta.filename, store);
  let proxy: ChecksumRefusingProxy;
  let operator: RunningOperator;
  let hospital: Tenant;
  let s3: S3Client;
  let scratch = '';
  let datasetDigest = '';
  const files = { 'notes.csv': randomBytes(4096), 'scan.bin': randomBytes(9 * 1024 * 1024 + 17), 'copy-of-notes.csv': Buffer.alloc(0) };
  files['copy-of-notes.csv'] = files['notes.csv'];

  beforeAll(async () => {
    installCrds();
    proxy = await startChecksumRefusingProxy(upstream, fileSetBucket);
    operator = await startOperator(`checksum-off-${store}`, [`--s3-endpoint=${proxy.endpoint}`, '--s3-checksum-mode=off']);
    hospital = await tenantOf(ns.name);
    s3 = adminOf(upstream);
    scratch = await mkdtemp(join(tmpdir(), `tessera-checksum-off-${store}-`));
  }, 120_000);
  afterAll(async () => {
    await operator?.stop();
    await proxy?.close();
    s3?.destroy();
    await rm(scratch, { recursive: true, force: true });
  });

  it('pushes a Dataset from a workstation through staging keys, commits, and pulls it back byte-identical', async () => {
    const dir = join(scratch, 'scans');
    await mkdir(dir);
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
    await tesseraCli(['dataset', 'push', dir, '--name', 'scans', '-n', ns.name], hospital.kubeconfig);
    const dataset = await waitFor('scans Ready', () => {
      const d = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'scans');
      return d.status?.digest ? d : undefined;
    });
    datasetDigest = dataset.status?.digest ?? '';

    const pulled = join(scratch, 'pulled-scans');
    await tesseraCli(['fileset', 'pull', datasetDigest, pulled, '-n', ns.name], hospital.kubeconfig);
    for (const [name, bytes] of Object.entries(files)) expect(sha(await readFile(join(pulled, name))), name).toBe(sha(bytes));

    // The two distinct blobs went to this namespace's staging keys, once each; none was PUT unbound under a digest's name.
    const staged = proxy.seen.filter((r) => r.method === 'PUT' && r.key.startsWith(`staging/uploads/${ns.name}/`));
    expect(staged.map((r) => r.key.slice(r.key.lastIndexOf('/') + 1)).sort()).toEqual([sha(files['notes.csv']), sha(files['scan.bin'])].sort());
    expect(unboundBlobWrites(proxy.seen)).toEqual([]);
    expect(proxy.seen.filter((r) => r.refused)).toEqual([]);
    // The commit cleared the session's staging.
    expect(await keysUnder(s3, `staging/uploads/${ns.name}/`)).toEqual([]);
  });

  it('stands for a store that refuses checksum headers: a put binding x-amz-checksum-sha256 is refused', async () => {
    const required = s3BlobStore({ endpoint: proxy.endpoint, region: 'us-east-1', bucket: fileSetBucket, accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey, maxAttempts: 1 });
    try {
      const bytes = randomBytes(64);
      await expect(required.put(`probe/${sha(bytes)}`, bytes, bytes.length, sha(bytes))).rejects.toThrow();
      expect(proxy.seen.at(-1)).toMatchObject({ method: 'PUT', refused: true });
    } finally {
      required.close();
    }
  });

  it("runs a Job on it whose outputs go through staging keys, and pulls the outputs back byte-identical", async () => {
    expect(datasetDigest).toMatch(/^sha256:/);
    const job = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'train', annotations: { 'sim.tessera.dev/run-for': '1s' } }, spec: { image: 'local/sim:1', inputs: [{ name: 'data', dataset: { name: 'scans' } }], outputs: [{ name: 'model' }], retries: 0 } };
    hospital.kubectl(['apply', '-f', '-'], JSON.stringify(job));
    const pod = await podOfJob(ns.name, 'train');
    const runner = await podRunner(pod, operator.transferUrl);
    const before = proxy.seen.length;
    try {
      await runner.pull();
      expect(sha(await readFile(join(runner.root, 'inputs', 'data', 'scan.bin')))).toBe(sha(files['scan.bin']));
      const model = { 'weights.bin': randomBytes(8 * 1024 * 1024 + 3), 'metrics.json': Buffer.from('{"accuracy": 0.91}') };
      await mkdir(join(runner.root, 'outputs', 'model'), { recursive: true });
      for (const [name, bytes] of Object.entries(model)) await writeFile(join(runner.root, 'outputs', 'model', name), bytes);
      await jobInPhase(ns.name, 'train', 'Uploading');
      await runner.push();
      const done = await jobInPhase(ns.name, 'train', 'Succeeded');
      const output = done.status?.outputs?.find((o) => o.name === 'model');
      expect(output).toMatchObject({ files: 2, bytes: model['weights.bin'].length + model['metrics.json'].length });
      expect(done.status?.metrics).toEqual({ accuracy: 0.91 });

      const pulled = join(scratch, 'pulled-model');
      await tesseraCli(['fileset', 'pull', output?.digest ?? '', pulled, '-n', ns.name], hospital.kubeconfig);
      for (const [name, bytes] of Object.entries(model)) expect(sha(await readFile(join(pulled, name))), name).toBe(sha(bytes));

      const run = proxy.seen.slice(before);
      const staged = run.filter((r) => r.method === 'PUT' && r.key.startsWith(`staging/uploads/${ns.name}/`));
      expect(staged.map((r) => r.key.slice(r.key.lastIndexOf('/') + 1)).sort()).toEqual([sha(model['weights.bin']), sha(model['metrics.json'])].sort());
      expect(unboundBlobWrites(run)).toEqual([]);
      expect(run.filter((r) => r.refused)).toEqual([]);
      expect(await keysUnder(s3, `staging/uploads/${ns.name}/`)).toEqual([]);
    } finally {
      await rm(runner.root, { recursive: true, force: true });
    }
  });
});
