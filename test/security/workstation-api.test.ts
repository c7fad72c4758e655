import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/api/dataset.ts';
import { filesApi, ServerError } from '../../src/cli/files-api.ts';
import { holdingKey } from '../../src/storage/access.ts';
import { namespaceUid } from '../support/namespace-uids.ts';
import { sha256Bytes } from '../../src/storage/hashing.ts';
import { manifestDigest, type Manifest } from '../../src/storage/manifest.ts';
import { adminS3, fileSetBucket } from '../support/transfer-calls.ts';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Threat: a hospital's user, holding only namespace-scoped rights in their own namespace and no
// object-store keys, tries to read, list, be granted or destroy another hospital's file sets through
// the workstation API (the CLI, or raw requests through the API server or straight to the operator).
// Every command here runs with that user's own ServiceAccount token; the store's keys are in no
// workstation's environment (tesseraCli strips TESSERA_S3_*).

const nsA = useNamespace(import.meta.filename, 'a');
const nsB = useNamespace(import.meta.filename, 'b');
let operator: RunningOperator;
let hospitalA: Tenant;
let hospitalB: Tenant;
let scratch = '';
const secret = randomBytes(4096);
let secretDigest = '';

async function grantExists(namespace: string, digest: string): Promise<boolean> {
  const s3 = adminS3();
  try {
    await s3.send(new HeadObjectCommand({ Bucket: fileSetBucket, Key: holdingKey(await namespaceUid(namespace), digest) }));
    return true;
  } catch {
    return false;
  } finally {
    s3.destroy();
  }
}

/** An administrator's mistake: `user` may create uploads and commits in `namespace` (nothing else there). */
function allowWorkstationResources(namespace: string, user: string): void {
  const [, , saNamespace = '', saName = ''] = user.split(':');
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'misgranted-uploads', namespace }, rules: [{ apiGroups: ['files.tessera.dev'], resources: ['uploads', 'commits'], verbs: ['create'] }] };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'misgranted-uploads', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'misgranted-uploads' },
    subjects: [{ kind: 'ServiceAccount', name: saName, namespace: saNamespace }],
  };
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [role, binding] }));
}

async function refusal(call: Promise<unknown>): Promise<ServerError> {
  const error: unknown = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ServerError)) throw new Error(`expected a refusal from the server, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  installCrds();
  operator = await startOperator('workstation-api');
  hospitalA = await tenantOf(nsA.name);
  hospitalB = await tenantOf(nsB.name);
  scratch = await mkdtemp(join(tmpdir(), 'tessera-workstation-'));
  await writeFile(join(scratch, 'patients.csv'), secret);
  // Hospital A pushes its data as itself: no store keys, its own token.
  await tesseraCli(['dataset', 'push', scratch, '--name', 'patients', '-n', nsA.name], hospitalA.kubeconfig);
  const dataset = await waitFor('patients Ready', () => {
    const d = kubectlGet<Dataset>(nsA.name, 'datasets.tessera.dev', 'patients');
    return d.status?.digest ? d : undefined;
  });
  secretDigest = dataset.status?.digest ?? '';
});
afterAll(async () => {
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('the workstation API between hospitals', () => {
  it("lets a hospital push and pull its own data with its own credentials, and no store keys", async () => {
    expect(await grantExists(nsA.name, secretDigest)).toBe(true);
    const out = join(scratch, 'pulled-a');
    await tesseraCli(['fileset', 'pull', secretDigest, out, '-n', nsA.name], hospitalA.kubeconfig);
    expect(await readFile(join(out, 'patients.csv'))).toEqual(secret);
  });

  it("refuses another hospital's pull of the data, in the data's namespace and in its own", async () => {
    const api = filesApi(hospitalB.config);
    const cross = await refusal(api.fileSet(nsA.name, secretDigest));
    expect(cross.reason).toBe('Forbidden');
    expect(cross.message).toContain(`cannot get resource "filesets"`);
    const own = await refusal(api.fileSet(nsB.name, secretDigest));
    expect(own.reason).toBe('NotFound');
    await expect(tesseraCli(['fileset', 'pull', secretDigest, join(scratch, 'stolen'), '-n', nsA.name], hospitalB.kubeconfig)).rejects.toThrow(/Error from server \(Forbidden\)/);
  });

  it('refuses a push into another hospital’s namespace and a garbage collection by a tenant', async () => {
    // The API server's own RBAC refuses first...
    await expect(tesseraCli(['dataset', 'push', scratch, '--name', 'planted', '-n', nsA.name], hospitalB.kubeconfig)).rejects.toThrow(/cannot create resource "uploads" in API group "files.tessera.dev"/);
    // ...and where an administrator granted B the workstation resources in A by mistake, the operator
    // still refuses: B may not create or update A's Datasets.
    allowWorkstationResources(nsA.name, hospitalB.user);
    await expect(tesseraCli(['dataset', 'push', scratch, '--name', 'planted', '-n', nsA.name], hospitalB.kubeconfig)).rejects.toThrow(/cannot create resource "datasets" in API group "tessera.dev"/);
    const gc = await refusal(filesApi(hospitalB.config).collect({ graceSeconds: 0 }));
    expect(gc.reason).toBe('Forbidden');
    expect(gc.message).toContain('garbagecollections');
  });

  it('grants nothing for a commit naming a blob the hospital never sent (knowing the digest is worth nothing)', async () => {
    const api = filesApi(hospitalB.config);
    const blob = sha256Bytes(secret);
    const manifest: Manifest = { version: 1, entries: [{ path: 'stolen.csv', digest: blob.digest, size: blob.size, mode: 0o644 }] };
    const digest = manifestDigest(manifest);
    const upload = await api.upload(nsB.name, { for: { kind: 'Dataset', name: 'stolen' }, manifestDigest: digest, blobs: [{ digest: blob.digest, size: blob.size }], base: [secretDigest] });
    // No oracle: the existing blob is asked for like any other, and A's file set as a base counts for nothing.
    expect(upload.alreadyGranted).toBe(false);
    expect(upload.uploads.map((u) => u.digest)).toEqual([blob.digest]);
    const unknown = sha256Bytes(randomBytes(4096));
    const fresh = await api.upload(nsB.name, { for: { kind: 'Dataset', name: 'stolen' }, manifestDigest: digest, blobs: [{ digest: unknown.digest, size: unknown.size }] });
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(upload).sort());
    expect(fresh.uploads).toHaveLength(1);

    const commit = await refusal(api.commit(nsB.name, { session: upload.session, manifest }));
    expect(commit.reason).toBe('Invalid');
    expect(commit.message).toContain('not sent in this upload session');
    expect(await grantExists(nsB.name, digest)).toBe(false);
    expect(await grantExists(nsB.name, secretDigest)).toBe(false);
  });

  it('grants nothing for a digest learned in advance whose bytes the other hospital stores while the session is open', async () => {
    const api = filesApi(hospitalB.config);
    const dir = await mkdtemp(join(scratch, 'later-'));
    const later = randomBytes(4096);
    await writeFile(join(dir, 'results.csv'), later);
    const blob = sha256Bytes(later);
    const manifest: Manifest = { version: 1, entries: [{ path: 'results.csv', digest: blob.digest, size: blob.size, mode: 0o644 }] };
    const upload = await api.upload(nsB.name, { for: { kind: 'Dataset', name: 'awaited' }, manifestDigest: manifestDigest(manifest), blobs: [{ digest: blob.digest, size: blob.size }] });
    // A's push writes the bytes after B's session began: the store holds them, written "in" B's session.
    await tesseraCli(['dataset', 'push', dir, '--name', 'results', '-n', nsA.name], hospitalA.kubeconfig);
    const commit = await refusal(api.commit(nsB.name, { session: upload.session, manifest }));
    expect(commit.reason).toBe('Invalid');
    expect(commit.message).toBe(`Error from server (Invalid): 1 blob(s) of the file set were not sent in this upload session, e.g. ${blob.digest} was not uploaded in this session`);
    expect(await grantExists(nsB.name, manifestDigest(manifest))).toBe(false);
  });

  it('refuses a session of one namespace committed into another, and a forged session', async () => {
    allowWorkstationResources(nsA.name, hospitalB.user);
    const api = filesApi(hospitalB.config);
    const manifest: Manifest = { version: 1, entries: [] };
    const upload = await api.upload(nsB.name, { for: { kind: 'Dataset', name: 'empty' }, manifestDigest: manifestDigest(manifest), blobs: [] });
    const moved = await refusal(api.commit(nsA.name, { session: upload.session, manifest }));
    expect(moved.reason).toBe('BadRequest');
    const [payload = ''] = upload.session.split('.');
    const forged = `${Buffer.from(Buffer.from(payload, 'base64url').toString().replace(nsB.name, nsA.name)).toString('base64url')}.${upload.session.split('.')[1] ?? ''}`;
    const forgedAnswer = await refusal(api.commit(nsA.name, { session: forged, manifest }));
    expect(forgedAnswer.reason).toBe('BadRequest');
    expect(forgedAnswer.message).toContain('not one this operator issued');
  });

  it('believes no identity headers sent straight to the operator, bypassing the API server', async () => {
    const port = operator.apiPort ?? 0;
    expect(port).toBeGreaterThan(0);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: process.env.TESSERA_NODE_IP ?? '10.200.0.1', port, method: 'GET', path: `/apis/files.tessera.dev/v1alpha1/namespaces/${nsA.name}/filesets/${secretDigest}`, rejectUnauthorized: false, headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('served through the Kubernetes API server only');
  });
});
