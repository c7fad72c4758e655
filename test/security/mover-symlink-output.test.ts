import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobKey } from '../../src/storage/manifest.ts';
import { resultAnnotation } from '../../src/storage/result-record.ts';
import { jobInPhase, podOfJob } from '../support/job-runs.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { podRunner, podToken, type PodRunner } from '../support/pod-runner.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { adminS3, objectExists } from '../support/transfer-calls.ts';

// Threat: a run's main container (the tenant's code) steals the mover's token by leaving its
// output as a link to the token's directory — `ln -s /var/run/secrets/tessera.dev/transfer/..data
// /tessera/outputs/model` — so the push sidecar, which holds the token, uploads it as the output.
// Kwok pods run no containers: the pod runner plays the push sidecar against a stand-in /tessera,
// with the link planted where main would leave it and the token in a directory beside it.

const ns = useNamespace(import.meta.filename);
let operator: RunningOperator;
let tenant: Tenant;
const runners: PodRunner[] = [];

beforeAll(async () => {
  installCrds();
  operator = await startOperator('security-symlink-output');
  tenant = await tenantOf(ns.name);
});
afterAll(async () => {
  await operator?.stop();
  for (const runner of runners) await rm(runner.root, { recursive: true, force: true });
});

/** A run of a Job with outputs model and extra whose main has exited; its pod runner holds a tenant-minted token. */
async function exitedRun(name: string): Promise<{ runner: PodRunner; secrets: string; token: string }> {
  const job = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name, annotations: { 'sim.tessera.dev/run-for': '1s' } }, spec: { image: 'local/sim:1', outputs: [{ name: 'model' }, { name: 'extra' }], retries: 0 } };
  tenant.kubectl(['apply', '-f', '-'], JSON.stringify(job));
  const pod = await podOfJob(ns.name, name);
  const runner = await podRunner(pod, operator.transferUrl, await podToken(pod));
  runners.push(runner);
  // Where the kubelet projects the token: a timestamped directory behind a `..data` link.
  const secrets = join(runner.root, 'secrets');
  await mkdir(join(secrets, '..2026_12_05'), { recursive: true });
  const token = await readFile(runner.tokenFile, 'utf8');
  await writeFile(join(secrets, '..2026_12_05', 'token'), token);
  await symlink('..2026_12_05', join(secrets, '..data'));
  await jobInPhase(ns.name, name, 'Uploading');
  return { runner, secrets, token };
}

async function pushFailure(runner: PodRunner): Promise<string> {
  return runner.push().then(
    () => 'the push succeeded',
    (error: unknown) => (error as Error).message,
  );
}

const tokenBlob = (token: string): string => blobKey(`sha256:${createHash('sha256').update(token).digest('hex')}`);

describe('the push sidecar', () => {
  it('refuses an output root linked to the token directory, naming it, and uploads nothing', async () => {
    const { runner, secrets, token } = await exitedRun('linked-root');
    // A well-behaved output beside it: nothing of it may move either.
    await mkdir(join(runner.root, 'outputs', 'extra'), { recursive: true });
    await writeFile(join(runner.root, 'outputs', 'extra', 'ok.txt'), `fine ${runner.root}`);
    await mkdir(join(runner.root, 'outputs'), { recursive: true });
    await symlink(join(secrets, '..data'), join(runner.root, 'outputs', 'model'));

    const failure = await pushFailure(runner);
    expect(failure).toContain(`${join(runner.root, 'outputs', 'model')} is a symbolic link`);
    const s3 = adminS3();
    try {
      expect(await objectExists(s3, tokenBlob(token))).toBe(false);
      expect(await objectExists(s3, blobKey(`sha256:${createHash('sha256').update(`fine ${runner.root}`).digest('hex')}`))).toBe(false);
    } finally {
      s3.destroy();
    }
    expect((await podOfJob(ns.name, 'linked-root')).metadata?.annotations?.[resultAnnotation]).toBeUndefined();
  });

  it('refuses a link inside an output that points at the token', async () => {
    const { runner, secrets, token } = await exitedRun('linked-file');
    await mkdir(join(runner.root, 'outputs', 'model'), { recursive: true });
    await symlink(join(secrets, '..data', 'token'), join(runner.root, 'outputs', 'model', 'weights.bin'));
    const failure = await pushFailure(runner);
    expect(failure).toContain(`${join(runner.root, 'outputs', 'model', 'weights.bin')} is a symbolic link`);
    const s3 = adminS3();
    try {
      expect(await objectExists(s3, tokenBlob(token))).toBe(false);
    } finally {
      s3.destroy();
    }
  });

  it('pushes real directories of the same run shape (the control)', async () => {
    const { runner } = await exitedRun('real-dirs');
    await mkdir(join(runner.root, 'outputs', 'model'), { recursive: true });
    await writeFile(join(runner.root, 'outputs', 'model', 'weights.bin'), `weights ${runner.root}`);
    await runner.push();
    await jobInPhase(ns.name, 'real-dirs', 'Succeeded');
  });
});
