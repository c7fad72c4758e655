import { randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestDigest, manifestKey, type Manifest } from '../../src/storage/manifest.ts';
import { resultAnnotation } from '../../src/storage/result-record.ts';
import { getTesseraJob, jobInPhase, podOfJob } from '../support/job-runs.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, podToken } from '../support/pod-runner.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { adminS3, callTransfer, operatorRssBytes, readObject } from '../support/transfer-calls.ts';

// Threat: a run takes the operator down for every tenant by committing a huge blob it already
// owns a second time as `metrics.json` with a claimed size of 1 byte; the operator used to trust
// the claim and read the whole blob into memory. The attacker is tenant A, acting through its own
// Jobs (created with its namespace rights) and what their pods hold, their transfer tokens (minted
// here as the kubelet projects them).

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let attacker: Tenant;
const roots: string[] = [];
const bombBytes = 1024 * 1024 * 1024;
/** The operator's resident memory may not pass this while it handles the bomb. */
const rssLimitBytes = 400 * 1024 * 1024;

function applyAsTenant(name: string, spec: Record<string, unknown>): void {
  const job = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name, annotations: { 'sim.tessera.dev/run-for': '1s' } }, spec: { image: 'local/sim:1', retries: 0, ...spec } };
  attacker.kubectl(['apply', '-f', '-'], JSON.stringify(job));
}

/** A 1 GiB file unique to this run (a random head, then zeros the file system need not store). */
async function writeBomb(path: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write(randomBytes(64), 0, 64, 0);
    await file.truncate(bombBytes);
  } finally {
    await file.close();
  }
}

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-metrics-bomb');
  attacker = await tenantOf(ns.name);
});
afterAll(async () => {
  await operator?.stop();
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

describe('a 1 GiB blob committed again as metrics.json claiming 1 byte', () => {
  it('is refused without the operator reading it, its memory stays bounded, and it keeps serving', async () => {
    // The attacker's first run stores the big blob honestly, as its own output.
    applyAsTenant('bomb-maker', { outputs: [{ name: 'model' }] });
    const makerPod = await podOfJob(ns.name, 'bomb-maker');
    const maker = await podRunner(makerPod, operator.transferUrl, await podToken(makerPod));
    roots.push(maker.root);
    await mkdir(join(maker.root, 'outputs', 'model'), { recursive: true });
    await writeBomb(join(maker.root, 'outputs', 'model', 'big.bin'));
    await jobInPhase(ns.name, 'bomb-maker', 'Uploading');
    await maker.push();
    const made = await jobInPhase(ns.name, 'bomb-maker', 'Succeeded');
    const modelDigest = made.status?.outputs?.find((o) => o.name === 'model')?.digest ?? '';
    const s3 = adminS3();
    const stored = JSON.parse((await readObject(s3, manifestKey(modelDigest))).toString('utf8')) as Manifest;
    s3.destroy();
    const big = stored.entries[0]!;
    expect(big.size).toBe(bombBytes);

    // The second run reads that output (so the blob is provably its own) and commits the bomb.
    applyAsTenant('bomb', { inputs: [{ name: 'weights', jobOutput: { job: 'bomb-maker', output: 'model' } }], outputs: [{ name: 'report' }] });
    const pod = await podOfJob(ns.name, 'bomb');
    const token = await podToken(pod);
    await jobInPhase(ns.name, 'bomb', 'Uploading');
    const before = await operatorRssBytes(operator.metricsUrl);
    const bomb: Manifest = { version: 1, entries: [{ path: 'metrics.json', digest: big.digest, size: 1, mode: 0o644 }] };
    const upload = await callTransfer(operator.transferUrl, 'POST /v1/upload', token, { output: 'report', manifestDigest: manifestDigest(bomb), blobs: [{ digest: big.digest, size: 1 }] });
    expect(upload.status).toBe(200);
    const answer = await callTransfer(operator.transferUrl, 'POST /v1/commit', token, { outputs: [{ name: 'report', manifest: bomb, session: upload.body.session }] });
    expect(answer).toMatchObject({ status: 400, body: { reason: 'InvalidRequest' } });
    expect(answer.body.message).toContain('stored with another size than the manifest says');
    // Without the input to vouch for it, the claim fails as a blob this session never uploaded.
    const alone: Manifest = { version: 1, entries: [{ path: 'metrics.json', digest: big.digest, size: 1, mode: 0o644 }, { path: 'x', digest: big.digest, size: 1, mode: 0o644 }] };
    expect((await callTransfer(operator.transferUrl, 'POST /v1/commit', token, { outputs: [{ name: 'report', manifest: alone }] })).status).toBeGreaterThanOrEqual(400);

    const after = await operatorRssBytes(operator.metricsUrl);
    console.log(`operator RSS around the metrics bomb: ${(before / 2 ** 20).toFixed(0)} MiB before, ${(after / 2 ** 20).toFixed(0)} MiB after`);
    expect(after).toBeLessThan(rssLimitBytes);
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
    expect((await podOfJob(ns.name, 'bomb')).metadata?.annotations?.[resultAnnotation]).toBeUndefined();
    expect(getTesseraJob(ns.name, 'bomb').status?.metrics).toBeUndefined();

    // And it keeps serving: another Job runs to the end.
    applyAsTenant('after-bomb', {});
    await jobInPhase(ns.name, 'after-bomb', 'Succeeded');
    expect(operator.exited()).toBe(false);
  });
});
