import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKey } from '../../src/storage/access.ts';
import { blobKey, manifestKey } from '../../src/storage/manifest.ts';
import { applyTesseraJob, podOfJob } from '../support/job-runs.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, podToken, type PodRunner } from '../support/pod-runner.ts';
import { adminS3, callTransfer, overwriteObject } from '../support/transfer-calls.ts';

// Threat: a hostile file set — a path that climbs out of its directory, an absolute one, a 4 KiB
// name, two names that are one file on a case-insensitive disk — reaches a run through a grant
// (written before the rules, or by whoever held the store's keys). The transfer API used to answer
// its pull with 500 Internal, which the mover retried until its deadline (179 s) without a word of
// the path. Now the answer is a permanent 4xx naming the path, and the pull stops at once.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
const runners: PodRunner[] = [];
const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-unsafe-fileset');
});
afterAll(async () => {
  await operator?.stop();
  for (const runner of runners) await rm(runner.root, { recursive: true, force: true });
});

/** Stores a manifest with these paths (each naming one fresh blob) straight into the store, granted to the namespace. */
async function plantFileSet(paths: string[]): Promise<string> {
  const bytes = randomBytes(64);
  const digest = `sha256:${sha256Hex(bytes)}`;
  const entries = paths.map((path) => ({ path, digest, size: bytes.length, mode: 0o644 })).sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const json = JSON.stringify({ version: 1, entries });
  const manifestDigest = `sha256:${sha256Hex(json)}`;
  const s3 = adminS3();
  try {
    await overwriteObject(s3, blobKey(digest), bytes);
    await overwriteObject(s3, manifestKey(manifestDigest), Buffer.from(json));
    await overwriteObject(s3, accessKey(ns.name, manifestDigest), Buffer.alloc(0));
  } finally {
    s3.destroy();
  }
  return manifestDigest;
}

describe('a run pinning an unsafe file set', () => {
  it.each([
    { name: 'a path climbing out', paths: ['../x'], wantPath: '"../x"' },
    { name: 'an absolute path', paths: ['/etc/passwd'], wantPath: '"/etc/passwd"' },
    { name: 'a 4 KiB name', paths: [`${'a'.repeat(4096)}`], wantPath: '"aaaaaaaa' },
    { name: 'names equal when case is folded', paths: ['Model.bin', 'model.bin'], wantPath: 'differs from' },
  ])('$name: the transfer API answers 422 naming the path, and the pull fails at once with it', async ({ name, paths, wantPath }) => {
    const digest = await plantFileSet(paths);
    const job = `unsafe-${runners.length}`;
    applyTesseraJob(ns.name, job, { image: 'local/sim:1', inputs: [{ name: 'data', fileSet: { digest } }], retries: 0 }, { 'sim.tessera.dev/run-for': '60s' });
    const pod = await podOfJob(ns.name, job);
    const answer = await callTransfer(operator.transferUrl, 'POST /v1/download', await podToken(pod), { digest });
    expect(answer.status, name).toBe(422);
    expect(answer.body.reason).toBe('InvalidFileSet');
    expect(answer.body.message).toContain(wantPath);
    expect((answer.body.message ?? '').length).toBeLessThan(1024);

    const runner = await podRunner(pod, operator.transferUrl);
    runners.push(runner);
    const started = Date.now();
    const failure = await runner.pull().then(
      () => 'the pull succeeded',
      (error: unknown) => (error as Error).message,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failure).toContain('InvalidFileSet');
    expect(failure).toContain(wantPath);
    expect(failure).not.toContain('kept failing');
    expect(await readdir(join(runner.root, 'inputs'))).toEqual([]);
  });
});
