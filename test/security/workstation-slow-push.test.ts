import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesApi, ServerError, type FilesApi } from '../../src/cli/files-api.ts';
import { hashTree, type HashedTree } from '../../src/storage/file-sets.ts';
import { blobKey, manifestDigest, manifestKey } from '../../src/storage/manifest.ts';
import { leaseKeys, uploadLeaseId } from '../../src/storage/push-lease.ts';
import { putBlobs } from '../../src/transfer/put-blobs.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf } from '../support/tenant.ts';
import { collectPastGrace, deleteStored, isStored } from '../support/store-admin.ts';

// Threat: a hospital's push that takes longer than the store's garbage-collection grace period.
// Until its commit, nothing in use names the blobs it has sent, so a collection running meanwhile
// takes the first ones; the push then cannot commit (or, were the commit not checking, a Dataset
// would name bytes that are gone). Every upload session of the workstation API holds a lease that
// garbage collection honours, renewed by the pushing CLI every minute. Here the tenant pushes
// through the API server with its own credentials, as the CLI does, a step at a time; the platform
// administrator collects garbage with a grace period of one second between the steps.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let tenantApi: FilesApi;
let scratch = '';

beforeAll(async () => {
  installCrds();
  operator = await startOperator('workstation-slow-push');
  const tenant = await tenantOf(ns.name);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(tenant.kubeconfig);
  tenantApi = filesApi(kc);
  scratch = await mkdtemp(join(tmpdir(), 'tessera-slow-push-'));
});
afterAll(async () => {
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function treeOf(name: string): Promise<HashedTree> {
  const dir = await mkdtemp(join(scratch, `${name}-`));
  await writeFile(join(dir, 'first.bin'), randomBytes(2000));
  await writeFile(join(dir, 'second.bin'), randomBytes(3000));
  return hashTree(dir);
}

async function refusal(call: Promise<unknown>): Promise<ServerError> {
  const error: unknown = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ServerError)) throw new Error(`expected a refusal from the server, got ${String(error)}`);
  return error;
}

/** Starts a push of `tree` for Dataset `name` and sends its first blob only. */
async function startSlowPush(tree: HashedTree, name: string): Promise<{ session: string; first: string; rest: Parameters<typeof putBlobs>[0] }> {
  const blobs = tree.blobs.map((b) => ({ digest: b.digest, size: b.size }));
  const answer = await tenantApi.upload(ns.name, { for: { kind: 'Dataset', name }, manifestDigest: manifestDigest(tree.manifest), blobs });
  expect(answer.uploads).toHaveLength(2);
  const [first, ...rest] = answer.uploads;
  await putBlobs([first!], tree.blobs);
  return { session: answer.session, first: first!.digest, rest };
}

describe('a workstation push slower than the garbage-collection grace period', () => {
  it('keeps every blob while it renews its session, commits, and stays protected while its object is written', async () => {
    const tree = await treeOf('renewed');
    const push = await startSlowPush(tree, 'renewed');
    await collectPastGrace();
    expect(await isStored(blobKey(push.first))).toBe(true);
    await tenantApi.renew(ns.name, push.session);
    await putBlobs(push.rest, tree.blobs);
    await collectPastGrace();
    const committed = await tenantApi.commit(ns.name, { session: push.session, manifest: tree.manifest });
    expect(committed).toMatchObject({ digest: manifestDigest(tree.manifest), files: 2 });
    // Nothing names the file set yet (its Dataset is written next): the lease still covers it.
    await collectPastGrace();
    expect(await isStored(manifestKey(committed.digest))).toBe(true);
    for (const blob of tree.blobs) expect(await isStored(blobKey(blob.digest))).toBe(true);
    const download = await tenantApi.fileSet(ns.name, committed.digest);
    expect(Object.keys(download.blobUrls).sort()).toEqual(tree.blobs.map((b) => b.digest).sort());
  });

  it('loses its first blob once its lease lapses (the threat is real): renewal is Gone and the commit is refused', async () => {
    const tree = await treeOf('lapsed');
    const push = await startSlowPush(tree, 'lapsed');
    // Five minutes without a renewal, shortened: the lease is gone from the store.
    const keys = leaseKeys(uploadLeaseId(push.session));
    expect(await isStored(keys.digests)).toBe(true);
    await deleteStored([keys.head, keys.digests]);
    await collectPastGrace();
    expect(await isStored(blobKey(push.first))).toBe(false);
    const gone = await refusal(tenantApi.renew(ns.name, push.session));
    expect(gone).toMatchObject({ code: 410, reason: 'Gone' });
    expect(gone.message).toContain('push again');
    await putBlobs(push.rest, tree.blobs);
    const refused = await refusal(tenantApi.commit(ns.name, { session: push.session, manifest: tree.manifest }));
    expect(refused).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(refused.message).toContain(`${push.first} was not uploaded`);
    expect(await isStored(manifestKey(manifestDigest(tree.manifest)))).toBe(false);
  });
});
