import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesApi, ServerError, type FilesApi } from '../../src/cli/files-api.ts';
import { holdingKey } from '../../src/storage/access.ts';
import { blobKey, manifestDigest, manifestKey, type Manifest } from '../../src/storage/manifest.ts';
import { resultAnnotation } from '../../src/storage/result-record.ts';
import { jobInPhase, podOfJob } from '../support/job-runs.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { namespaceUid } from '../support/namespace-uids.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, podToken } from '../support/pod-runner.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { adminS3, callTransfer, fileSetBucket, objectExists, readObject } from '../support/transfer-calls.ts';

// Threat: with checksumMode off (a store that refuses checksum headers, e.g. GCS's S3
// interoperability) a presigned PUT binds only its length, so the store accepts any bytes sent to
// it. A tenant with its own credentials — a hospital's user through the workstation API, or its
// run's pod through the transfer API — sends bytes that do not hash to the digest it claims, hoping
// to get them stored under that digest's name (where every namespace reads it), or commits bytes
// another session or namespace staged, hoping the operator copies them for it. Uploads go to a key
// of the session alone; the operator hashes each staged blob at commit and copies only a match.

const nsA = useNamespace(import.meta.filename, 'a');
const nsB = useNamespace(import.meta.filename, 'b');
let operator: RunningOperator;
let hospitalA: Tenant;
let hospitalB: Tenant;
const sha = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const oneFile = (path: string, bytes: Buffer): Manifest => ({ version: 1, entries: [{ path, digest: sha(bytes), size: bytes.length, mode: 0o644 }] });

async function refusal(call: Promise<unknown>): Promise<ServerError> {
  const error: unknown = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ServerError)) throw new Error(`expected a refusal from the server, got ${String(error)}`);
  return error;
}

async function stored(key: string): Promise<boolean> {
  const s3 = adminS3();
  try {
    return await objectExists(s3, key);
  } finally {
    s3.destroy();
  }
}

async function stagedKeys(namespace: string): Promise<string[]> {
  const s3 = adminS3();
  const keys: string[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: fileSetBucket, Prefix: `staging/uploads/${namespace}/` })) keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
  } finally {
    s3.destroy();
  }
  return keys;
}

async function put(upload: { url: string; headers: Record<string, string> }, body: Buffer, url = upload.url): Promise<number> {
  const answer = await fetch(url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(body) });
  await answer.arrayBuffer();
  return answer.status;
}

/** Opens an upload session of `api` in `namespace` for a one-file Dataset, and returns its session and the blob's PUT. */
async function openSession(api: FilesApi, namespace: string, manifest: Manifest): Promise<{ session: string; url: string; headers: Record<string, string> }> {
  const blobs = manifest.entries.map((e) => ({ digest: e.digest, size: e.size }));
  const upload = await api.upload(namespace, { for: { kind: 'Dataset', name: 'scans' }, manifestDigest: manifestDigest(manifest), blobs });
  const [first] = upload.uploads;
  if (!first) throw new Error('the operator asked for no upload');
  return { session: upload.session, url: first.url, headers: first.headers };
}

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-staged-uploads', ['--s3-checksum-mode=off']);
  hospitalA = await tenantOf(nsA.name);
  hospitalB = await tenantOf(nsB.name);
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

describe('uploads through a store whose presigned PUTs bind no body (checksumMode off)', () => {
  it('refuses a commit whose staged bytes do not hash to the digest claimed, and nothing appears under that digest', async () => {
    const api = filesApi(hospitalA.config);
    const claimed = randomBytes(4096);
    const forged = randomBytes(4096);
    const manifest = oneFile('model.bin', claimed);
    const upload = await openSession(api, nsA.name, manifest);
    const stagedPath = new URL(upload.url).pathname;
    expect(stagedPath).toContain(`/staging/uploads/${nsA.name}/`);
    expect(Object.keys(upload.headers).filter((h) => h.toLowerCase().includes('checksum'))).toEqual([]);

    // The URL cannot be turned to the digest's own key: its signature covers the path.
    const redirected = new URL(upload.url);
    redirected.pathname = `/${fileSetBucket}/${blobKey(sha(claimed))}`;
    expect(await put(upload, forged, redirected.toString())).toBe(403);
    // The store takes the forged bytes at the staging key: nothing there binds the body (the threat is real).
    expect(await put(upload, forged)).toBe(200);
    expect(await stagedKeys(nsA.name)).toHaveLength(1);

    const commit = await refusal(api.commit(nsA.name, { session: upload.session, manifest }));
    expect(commit.reason).toBe('Invalid');
    expect(commit.message).toContain(`the bytes uploaded for 1 blob(s), e.g. ${sha(claimed)} do not hash to the digest the upload claimed`);
    expect(await stored(blobKey(sha(claimed)))).toBe(false);
    expect(await stored(manifestKey(manifestDigest(manifest)))).toBe(false);
    expect(await stored(holdingKey(await namespaceUid(nsA.name), manifestDigest(manifest)))).toBe(false);
    expect(await stagedKeys(nsA.name)).toEqual([]);

    // The same session sending the bytes it claimed commits: the path the attack took is the live one.
    expect(await put(upload, claimed)).toBe(200);
    await expect(api.commit(nsA.name, { session: upload.session, manifest })).resolves.toMatchObject({ digest: manifestDigest(manifest), files: 1 });
    const s3 = adminS3();
    try {
      expect(await readObject(s3, blobKey(sha(claimed)))).toEqual(claimed);
    } finally {
      s3.destroy();
    }
    expect(await stored(holdingKey(await namespaceUid(nsA.name), manifestDigest(manifest)))).toBe(true);
    expect(await stagedKeys(nsA.name)).toEqual([]);
  });

  it("cannot commit bytes another session or another namespace staged", async () => {
    const secret = randomBytes(4096);
    const apiA = filesApi(hospitalA.config);
    const apiB = filesApi(hospitalB.config);
    // Hospital B stages its secret and has not committed yet.
    const upB = await openSession(apiB, nsB.name, oneFile('secret.csv', secret));
    expect(await put(upB, secret)).toBe(200);

    // A, knowing the digest, names it in a session of its own and sends nothing.
    const stolen = oneFile('stolen.csv', secret);
    const upA = await openSession(apiA, nsA.name, stolen);
    const own = await refusal(apiA.commit(nsA.name, { session: upA.session, manifest: stolen }));
    expect(own.reason).toBe('Invalid');
    expect(own.message).toContain(`${sha(secret)} were not uploaded in this upload session`);
    // B's session brought into A's namespace is refused; into B's, the API server refuses A.
    expect((await refusal(apiA.commit(nsA.name, { session: upB.session, manifest: stolen }))).reason).toBe('BadRequest');
    expect((await refusal(apiA.commit(nsB.name, { session: upB.session, manifest: stolen }))).reason).toBe('Forbidden');
    // Nor does another session of B's own namespace count B's staged bytes.
    const secondB = await openSession(apiB, nsB.name, oneFile('secret.csv', secret));
    expect((await refusal(apiB.commit(nsB.name, { session: secondB.session, manifest: oneFile('secret.csv', secret) }))).message).toContain('were not uploaded in this upload session');

    expect(await stored(blobKey(sha(secret)))).toBe(false);
    expect(await stored(holdingKey(await namespaceUid(nsA.name), manifestDigest(stolen)))).toBe(false);
    // B's staged bytes were neither copied nor consumed: B's own commit goes through.
    expect(await stagedKeys(nsB.name)).toHaveLength(1);
    await expect(apiB.commit(nsB.name, { session: upB.session, manifest: oneFile('secret.csv', secret) })).resolves.toMatchObject({ files: 1 });
    expect(await stored(holdingKey(await namespaceUid(nsB.name), manifestDigest(oneFile('secret.csv', secret))))).toBe(true);
    expect(await stored(holdingKey(await namespaceUid(nsA.name), manifestDigest(stolen)))).toBe(false);
  });

  it("refuses a run's commit of staged bytes that do not match its output's digest; the run's honest push then commits", async () => {
    const job = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'forger', annotations: { 'sim.tessera.dev/run-for': '1s' } }, spec: { image: 'local/sim:1', outputs: [{ name: 'model' }], retries: 0 } };
    hospitalA.kubectl(['apply', '-f', '-'], JSON.stringify(job));
    const pod = await podOfJob(nsA.name, 'forger');
    const token = await podToken(pod);
    await jobInPhase(nsA.name, 'forger', 'Uploading');
    const claimed = randomBytes(4096);
    const manifest = oneFile('model.bin', claimed);
    const offer = await callTransfer(operator.transferUrl, 'POST /v1/upload', token, { output: 'model', manifestDigest: manifestDigest(manifest), blobs: [{ digest: sha(claimed), size: claimed.length }] });
    const [upload] = offer.body.uploads as Array<{ url: string; headers: Record<string, string> }>;
    expect(new URL(upload?.url ?? 'http://x').pathname).toContain(`/staging/uploads/${nsA.name}/`);
    expect(await put(upload!, randomBytes(4096))).toBe(200);

    const commit = await callTransfer(operator.transferUrl, 'POST /v1/commit', token, { outputs: [{ name: 'model', manifest, session: offer.body.session }] });
    expect(commit).toMatchObject({ status: 400, body: { reason: 'InvalidRequest' } });
    expect(commit.body.message).toContain('do not hash to the digest the upload claimed');
    expect(await stored(blobKey(sha(claimed)))).toBe(false);
    expect(await stored(manifestKey(manifestDigest(manifest)))).toBe(false);
    expect((await podOfJob(nsA.name, 'forger')).metadata?.annotations?.[resultAnnotation]).toBeUndefined();

    const runner = await podRunner(pod, operator.transferUrl, token);
    try {
      await mkdir(join(runner.root, 'outputs', 'model'), { recursive: true });
      await writeFile(join(runner.root, 'outputs', 'model', 'model.bin'), claimed);
      await runner.push();
      const done = await jobInPhase(nsA.name, 'forger', 'Succeeded');
      expect(done.status?.outputs?.find((o) => o.name === 'model')).toMatchObject({ files: 1, bytes: claimed.length });
    } finally {
      await rm(runner.root, { recursive: true, force: true });
    }
    expect(await stagedKeys(nsA.name)).toEqual([]);
  });
});
