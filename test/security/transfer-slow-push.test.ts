import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Bytes } from '../../src/storage/hashing.ts';
import { blobKey, manifestDigest, type Manifest } from '../../src/storage/manifest.ts';
import { leaseKeys, uploadLeaseId } from '../../src/storage/push-lease.ts';
import type { UploadResponse } from '../../src/transfer/protocol.ts';
import { podOfJob } from '../support/job-runs.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podToken } from '../support/pod-runner.ts';
import { tenantOf } from '../support/tenant.ts';
import { callTransfer } from '../support/transfer-calls.ts';
import { collectPastGrace, deleteStored, isStored } from '../support/store-admin.ts';

// Threat: a run whose push sidecar uploads for longer than the store's garbage-collection grace
// period. Until its commit nothing in use names the blobs it has sent, so a collection running
// meanwhile takes the first ones, and the run loses its result (it is retried from scratch). Each
// upload session the transfer API hands out holds a lease the push renews every minute. Here the
// run's own pod (its token, as the kubelet projects it) uploads a step at a time, and the platform
// administrator collects garbage with a grace period of one second between the steps.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let token = '';

beforeAll(async () => {
  installCrds();
  operator = await startOperator('transfer-slow-push');
  const tenant = await tenantOf(ns.name);
  tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: 'train', annotations: { 'sim.tessera.dev/run-for': '300s' } },
    spec: { image: 'local/sim:1', outputs: [{ name: 'model' }, { name: 'report' }] },
  }));
  token = await podToken(await podOfJob(ns.name, 'train', (p: k8s.V1Pod) => p.status?.phase === 'Running' || p.status?.phase === 'Pending'));
});
afterAll(async () => {
  await operator?.stop();
});

/** Starts the upload of two fresh blobs for `output` as the run's pod, and sends the first. */
async function startSlowUpload(output: string): Promise<{ session: string; first: string }> {
  const parts = [randomBytes(2000), randomBytes(3000)];
  const entries = parts.map((bytes, i) => ({ path: `part-${i}.bin`, digest: sha256Bytes(bytes).digest, size: bytes.length, mode: 0o644 }));
  const manifest: Manifest = { version: 1, entries };
  const answer = await callTransfer(operator.transferUrl, 'POST /v1/upload', token, { output, manifestDigest: manifestDigest(manifest), blobs: entries.map((e) => ({ digest: e.digest, size: e.size })) });
  expect(answer.status).toBe(200);
  const { uploads, session } = answer.body as unknown as UploadResponse;
  const first = uploads.find((u) => u.digest === entries[0]!.digest)!;
  const put = await fetch(first.url, { method: 'PUT', headers: first.headers, body: parts[0] });
  expect(put.status).toBe(200);
  return { session: session ?? '', first: first.digest };
}

describe("a run's upload slower than the garbage-collection grace period", () => {
  it('keeps its first blob while the push renews its session', async () => {
    const upload = await startSlowUpload('model');
    await collectPastGrace();
    expect(await isStored(blobKey(upload.first))).toBe(true);
    expect(await callTransfer(operator.transferUrl, 'POST /v1/upload/renew', token, { session: upload.session })).toMatchObject({ status: 200, body: { renewed: true } });
    await collectPastGrace();
    expect(await isStored(blobKey(upload.first))).toBe(true);
  });

  it('loses it once the lease lapses (the threat is real), and the renewal is Gone', async () => {
    const upload = await startSlowUpload('report');
    const keys = leaseKeys(uploadLeaseId(upload.session));
    expect(await isStored(keys.digests)).toBe(true);
    // Five minutes without a renewal, shortened: the lease is gone from the store.
    await deleteStored([keys.head, keys.digests]);
    await collectPastGrace();
    expect(await isStored(blobKey(upload.first))).toBe(false);
    const renewal = await callTransfer(operator.transferUrl, 'POST /v1/upload/renew', token, { session: upload.session });
    expect(renewal).toMatchObject({ status: 410, body: { reason: 'Gone' } });
  });

  it("refuses to renew another pod's session or a forged one", async () => {
    expect(await callTransfer(operator.transferUrl, 'POST /v1/upload/renew', token, { session: 'e30.forged' })).toMatchObject({ status: 403, body: { reason: 'Forbidden' } });
  });
});
