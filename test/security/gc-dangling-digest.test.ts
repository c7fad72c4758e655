import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantAccess } from '../../src/storage/access.ts';
import { pullFileSet, pushDirectory, type PushResult } from '../../src/storage/file-sets.ts';
import { sha256Bytes } from '../../src/storage/hashing.ts';
import { blobKey, digestHex, manifestKey } from '../../src/storage/manifest.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { freshBucket, type TestBucket } from '../support/store-bucket.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { uidsOf } from '../support/namespace-uids.ts';

// Threat: a tenant wedges garbage collection for every organization by naming, in a Dataset it may
// create, a file set that does not exist. Before, every collection stopped on the missing manifest,
// so the store only grew. Now the dangling digest is skipped (its Dataset says its namespace holds no such file set), garbage is
// still collected, and live data keeps every byte. The operator collects every 2 s with a 1 s grace.

const ns = useNamespace(import.meta.filename);
let bucket: TestBucket;
let operator: RunningOperator;
let tenant: Tenant;
let scratch = '';
let live: PushResult;
const garbage: string[] = [];
const dangling = `sha256:${randomBytes(32).toString('hex')}`;

interface Logged {
  msg?: string;
  missingLiveManifests?: number;
  deletedBlobs?: number;
}

async function operatorLog(): Promise<Logged[]> {
  return (await readFile(operator.logFile, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Logged);
}

function dataset(name: string, digest: string): unknown {
  return { apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name }, spec: { source: { fileSet: { digest } } } };
}

beforeAll(async () => {
  installCrds();
  bucket = await freshBucket('gc-dangling');
  scratch = await mkdtemp(join(tmpdir(), 'tessera-gc-dangling-'));
  const dir = await mkdtemp(join(scratch, 'live-'));
  for (let i = 0; i < 3; i++) await writeFile(join(dir, `f${i}`), randomBytes(500));
  live = await pushDirectory({ store: bucket.store, dir });
  await grantAccess(bucket.store, await uidsOf(ns.name), ns.name, live.digest);
  for (let i = 0; i < 3; i++) {
    const bytes = randomBytes(300);
    const { digest } = sha256Bytes(bytes);
    await bucket.store.put(blobKey(digest), bytes, bytes.length, digestHex(digest));
    garbage.push(blobKey(digest));
  }
  tenant = await tenantOf(ns.name);
});

afterAll(async () => {
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
  await bucket?.drop();
});

describe('a Dataset naming a file set that does not exist', () => {
  it('does not stop garbage collection: garbage goes, live data stays, and the Dataset says its namespace holds no such file set', async () => {
    // Reachable: the tenant may create a Dataset naming any digest, with its own credentials.
    tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [dataset('live', live.digest), dataset('dangling', dangling)] }));
    operator = await startOperator(`gc-dangling-${ns.name}`, [
      '--s3-bucket', bucket.bucket, '--gc-interval-seconds', '2', '--gc-grace-seconds', '1', '--lease-namespace', ns.name, '--lease-name', 'gc-dangling',
    ]);

    const status = await waitFor('Dataset dangling Unauthorized', () => {
      const found = JSON.parse(tenant.kubectl(['get', 'datasets.tessera.dev', 'dangling', '-n', ns.name, '-o', 'json'])) as {
        status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
      };
      const ready = found.status?.conditions?.find((c) => c.type === 'Ready');
      // The same answer as for a digest that exists but was never granted: status is no existence oracle.
      return ready?.reason === 'Unauthorized' ? ready : undefined;
    }, 20_000);
    expect(status).toMatchObject({ status: 'False', message: expect.stringContaining(dangling) as unknown });

    // The collection sees the dangling digest as in use, skips it, and collects the garbage.
    const collected = await waitFor('a collection that skipped the dangling digest', async () =>
      (await operatorLog()).find((line) => line.msg === 'collected garbage' && (line.missingLiveManifests ?? 0) >= 1 && (line.deletedBlobs ?? 0) >= garbage.length),
    30_000);
    // At least ours: the operator sees every namespace's objects, other tests' leftovers included.
    expect(collected.missingLiveManifests).toBeGreaterThanOrEqual(1);
    for (const key of garbage) expect(await bucket.store.has(key)).toBe(false);
    expect((await operatorLog()).filter((line) => line.msg?.startsWith('garbage collection failed'))).toEqual([]);

    // Live data kept every byte, through several more collections.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await bucket.store.has(manifestKey(live.digest))).toBe(true);
    const target = await mkdtemp(join(scratch, 'pulled-'));
    await expect(pullFileSet({ store: bucket.store, digest: live.digest, dir: target })).resolves.toMatchObject({ files: 3 });
  });
});
