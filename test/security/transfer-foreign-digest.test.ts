import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/api/dataset.ts';
import { holdingKey } from '../../src/storage/access.ts';
import { namespaceUid } from '../support/namespace-uids.ts';
import { manifestDigest, manifestKey, type Manifest } from '../../src/storage/manifest.ts';
import { resultAnnotation } from '../../src/storage/result-record.ts';
import { getTesseraJob, jobInPhase, podOfJob } from '../support/job-runs.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, podToken } from '../support/pod-runner.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { adminS3, callTransfer, objectExists } from '../support/transfer-calls.ts';

// Threat: a tenant who learns the SHA-256 of another organization's file (a published checksum, a
// leaked manifest) names it in a commit of its own run's output, and is granted the bytes without
// ever having had them; or asks the upload endpoint whether a digest exists. The attacker is tenant
// A with only its namespace rights: it creates a Job of its own, and holds what its run's pod holds,
// the pod's transfer token (minted here as the kubelet projects it; a tenant cannot mint one).
// B's data is pushed by B.

const nsA = useNamespace(import.meta.filename, 'a');
const nsB = useNamespace(import.meta.filename, 'b');
let operator: RunningOperator;
let attacker: Tenant;
let scratch = '';
const sha = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const secret = randomBytes(4096);
let privateDigest = '';
let pod: Awaited<ReturnType<typeof podOfJob>>;
let token = '';
const call = (route: string, body: unknown): ReturnType<typeof callTransfer> => callTransfer(operator.transferUrl, route, token, body);
const offer = (m: Manifest): Record<string, unknown> => ({ output: 'model', manifestDigest: manifestDigest(m), blobs: m.entries.map((e) => ({ digest: e.digest, size: e.size })) });
const oneBlob = (bytes: Buffer): Manifest => ({ version: 1, entries: [{ path: 'model.bin', digest: sha(bytes), size: bytes.length, mode: 0o644 }] });

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-foreign-digest');
  attacker = await tenantOf(nsA.name);
  scratch = await mkdtemp(join(tmpdir(), 'tessera-foreign-digest-'));
  const dir = join(scratch, 'records');
  await mkdir(dir);
  await writeFile(join(dir, 'patients.csv'), secret);
  await tesseraCli(['dataset', 'push', dir, '--name', 'records', '-n', nsB.name]);
  privateDigest = kubectlGet<Dataset>(nsB.name, 'datasets.tessera.dev', 'records').status?.digest ?? '';
  const job = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'thief', annotations: { 'sim.tessera.dev/run-for': '1s' } }, spec: { image: 'local/sim:1', outputs: [{ name: 'model' }], retries: 0 } };
  attacker.kubectl(['apply', '-f', '-'], JSON.stringify(job));
  pod = await podOfJob(nsA.name, 'thief');
  token = await podToken(pod);
  await jobInPhase(nsA.name, 'thief', 'Uploading');
});
afterAll(async () => {
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe("a tenant's run naming another namespace's blob by its digest", () => {
  it('learned in advance, is refused even when the other namespace stores the bytes while its upload session is open', async () => {
    const awaited = randomBytes(4096);
    const awaiting = await call('POST /v1/upload', offer(oneBlob(awaited)));
    expect(awaiting.status).toBe(200);
    // B's push writes the bytes after A's session began: the store holds them, written "during" it.
    const laterDir = join(scratch, 'later');
    await mkdir(laterDir);
    await writeFile(join(laterDir, 'results.csv'), awaited);
    await tesseraCli(['dataset', 'push', laterDir, '--name', 'results', '-n', nsB.name]);
    const never = randomBytes(4096);
    const neverSession = await call('POST /v1/upload', offer(oneBlob(never)));
    const awaitedCommit = await call('POST /v1/commit', { outputs: [{ name: 'model', manifest: oneBlob(awaited), session: awaiting.body.session }] });
    const neverCommit = await call('POST /v1/commit', { outputs: [{ name: 'model', manifest: oneBlob(never), session: neverSession.body.session }] });
    for (const answer of [awaitedCommit, neverCommit]) expect(answer).toMatchObject({ status: 422, body: { reason: 'BlobMissing' } });
    expect(awaitedCommit.body.message?.replace(sha(awaited), 'D')).toBe(neverCommit.body.message?.replace(sha(never), 'D'));
    const s3 = adminS3();
    try {
      expect(await objectExists(s3, holdingKey(await namespaceUid(nsA.name), manifestDigest(oneBlob(awaited))))).toBe(false);
    } finally {
      s3.destroy();
    }
  });

  it('learns nothing from the upload endpoint, cannot commit the blob, and is granted nothing', async () => {
    expect(privateDigest).toMatch(/^sha256:/);

    // The upload endpoint answers a stored digest and a never-stored one alike: a PUT for each.
    const stolen = oneBlob(secret);
    const unknownBytes = randomBytes(4096);
    const unknown = oneBlob(unknownBytes);
    const askedStored = await call('POST /v1/upload', offer(stolen));
    const askedUnknown = await call('POST /v1/upload', offer(unknown));
    for (const [answer, digest] of [[askedStored, sha(secret)], [askedUnknown, sha(unknownBytes)]] as const) {
      expect(answer.status).toBe(200);
      expect(answer.body.manifestExists).toBe(false);
      expect((answer.body.uploads as Array<{ digest: string }>).map((u) => u.digest)).toEqual([digest]);
    }
    // Nor does it say whether B's manifest exists.
    expect(await call('POST /v1/upload', { output: 'model', manifestDigest: privateDigest, blobs: [] })).toMatchObject({ status: 200, body: { manifestExists: false } });

    // Committing the foreign blob fails the same way as committing one never uploaded, with or without the session.
    const withSession = await call('POST /v1/commit', { outputs: [{ name: 'model', manifest: stolen, session: askedStored.body.session }] });
    const withoutSession = await call('POST /v1/commit', { outputs: [{ name: 'model', manifest: stolen }] });
    const neverUploaded = await call('POST /v1/commit', { outputs: [{ name: 'model', manifest: unknown, session: askedUnknown.body.session }] });
    for (const answer of [withSession, withoutSession, neverUploaded]) expect(answer).toMatchObject({ status: 422, body: { reason: 'BlobMissing' } });
    expect(withSession.body.message).toContain('not uploaded in this upload session');
    expect(withSession.body.message?.replace(sha(secret), 'D')).toBe(neverUploaded.body.message?.replace(sha(unknownBytes), 'D'));
    // Replaying B's whole manifest is no better.
    const bManifest: Manifest = { version: 1, entries: [{ path: 'patients.csv', digest: sha(secret), size: secret.length, mode: 0o644 }] };
    expect(manifestDigest(bManifest)).toBe(privateDigest);
    expect(await call('POST /v1/commit', { outputs: [{ name: 'model', manifest: bManifest }] })).toMatchObject({ status: 422, body: { reason: 'BlobMissing' } });

    // Nothing changed: no grant of B's file set or the forged one to A, no forged manifest, no result.
    const s3 = adminS3();
    try {
      expect(await objectExists(s3, holdingKey(await namespaceUid(nsA.name), privateDigest))).toBe(false);
      expect(await objectExists(s3, holdingKey(await namespaceUid(nsA.name), manifestDigest(stolen)))).toBe(false);
      expect(await objectExists(s3, manifestKey(manifestDigest(stolen)))).toBe(false);
    } finally {
      s3.destroy();
    }
    expect((await podOfJob(nsA.name, 'thief')).metadata?.annotations?.[resultAnnotation]).toBeUndefined();
    expect(JSON.stringify(getTesseraJob(nsA.name, 'thief').status ?? {})).not.toContain(privateDigest);

    // The same run, pushing bytes it really has, commits: the path the attack took is the live one.
    const runner = await podRunner(pod, operator.transferUrl, token);
    try {
      await mkdir(join(runner.root, 'outputs', 'model'), { recursive: true });
      await writeFile(join(runner.root, 'outputs', 'model', 'model.bin'), unknownBytes);
      await runner.push();
      const done = await jobInPhase(nsA.name, 'thief', 'Succeeded');
      expect(done.status?.outputs?.find((o) => o.name === 'model')).toMatchObject({ files: 1, bytes: unknownBytes.length });
    } finally {
      await rm(runner.root, { recursive: true, force: true });
    }
  });
});
