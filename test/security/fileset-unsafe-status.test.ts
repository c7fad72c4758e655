import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalManifestJson, type ManifestEntry } from '../../src/storage/manifest.ts';
import { digestOf } from '../support/digest.ts';
import { batchJobsOf } from '../support/job-runs.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { freshBucket, plantManifest, type TestBucket } from '../support/store-bucket.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// Threat: a file set whose manifest holds a path that escapes the target (`../x`, `/abs`), one no
// file system can hold (NUL, a 4 KiB name), names that collide on a case-insensitive disk, or bytes
// that are no manifest at all. A tenant names it in a Dataset, an Algo or a Job. Before, the Dataset
// got no condition and the operator logged UnsafePathError at error level on every retry, and a Job
// pinning it started a pod whose pull failed after minutes. Now each says why at once, in status,
// with one Warning event, no error-level log and no pod.

const ns = useNamespace(import.meta.filename);
let bucket: TestBucket;
let operator: RunningOperator;
let tenant: Tenant;

const blob = digestOf('some bytes');
const entry = (path: string): ManifestEntry => ({ path, digest: blob, size: 10, mode: 0o644 });
const manifestWith = (...paths: string[]): string => canonicalManifestJson({ version: 1, entries: paths.map(entry) });

const hostile = [
  { name: 'dotdot', text: manifestWith('../x'), reason: 'UnsafeFileSet', says: `unsafe path "../x": '..' segment` },
  { name: 'absolute', text: manifestWith('/abs'), reason: 'UnsafeFileSet', says: 'unsafe path "/abs": absolute' },
  { name: 'nul', text: manifestWith('a\0b'), reason: 'UnsafeFileSet', says: 'unsafe path "a\\u0000b": contains NUL' },
  { name: 'long-name', text: manifestWith('n'.repeat(4096)), reason: 'UnsafeFileSet', says: 'segment longer than 255 bytes' },
  { name: 'case-collision', text: manifestWith('Model.bin', 'model.bin'), reason: 'UnsafeFileSet', says: 'unsafe path "model.bin": collides with "Model.bin" when case is folded' },
  { name: 'corrupt', text: '{"version":1,"entries":[{"path":', reason: 'CorruptFileSet', says: 'is not JSON' },
];
const digests = new Map<string, string>();

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Owner {
  status?: { conditions?: Condition[]; phase?: string; reason?: string; message?: string };
}

function get(kind: string, name: string): Owner {
  return JSON.parse(tenant.kubectl(['get', kind, name, '-n', ns.name, '-o', 'json'])) as Owner;
}

const condition = (owner: Owner, type: string): Condition | undefined => owner.status?.conditions?.find((c) => c.type === type);

// The core/v1 view of events, what `kubectl events` shows, read by the test as an observer (the
// local cluster's `admin` role aggregates nothing, so the tenant itself may not list events).
function warningEvents(name: string): Array<{ reason: string; count: number }> {
  const list = JSON.parse(kubectl(['get', 'events', '-n', ns.name, '-o', 'json'])) as {
    items: Array<{ involvedObject?: { name?: string }; type: string; reason: string; count?: number; series?: { count: number } }>;
  };
  return list.items
    .filter((e) => e.involvedObject?.name === name && e.type === 'Warning')
    .map((e) => ({ reason: e.reason, count: e.series?.count ?? e.count ?? 1 }));
}

/**
 * Error-level lines about this file's namespace, or about none. The operator watches every namespace,
 * so another file's objects (one deleted mid-reconcile, say) may log errors that are not this file's.
 */
function errorLogLines(): string[] {
  return readFileSync(operator.logFile, 'utf8')
    .split('\n')
    .filter((line) => {
      if (!line.startsWith('{')) return false;
      const { level, namespace } = JSON.parse(line) as { level: string; namespace?: string };
      return ['error', 'fatal'].includes(level) && (namespace === undefined || namespace === ns.name);
    });
}

beforeAll(async () => {
  installCrds();
  bucket = await freshBucket('fileset-unsafe');
  for (const { name, text } of hostile) digests.set(name, await plantManifest(bucket.store, text, ns.name));
  tenant = await tenantOf(ns.name);
  operator = await startOperator(`fileset-unsafe-${ns.name}`, ['--s3-bucket', bucket.bucket, '--gc-interval-seconds', '0', '--lease-namespace', ns.name, '--lease-name', 'fileset-unsafe']);
});

afterAll(async () => {
  await operator?.stop();
  await bucket?.drop();
});

describe('a hostile file set named by a tenant', () => {
  it('makes each Dataset Ready=False and Stalled at once, naming the path, with one Warning event and no error log', async () => {
    const datasets = hostile.map(({ name }) => ({
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name },
      spec: { source: { fileSet: { digest: digests.get(name) } } },
    }));
    // Reachable: the tenant may create these, with its own namespace-scoped credentials.
    tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: datasets }));
    for (const { name, reason, says } of hostile) {
      const stalled = await waitFor(`Dataset ${name} Stalled`, () => {
        const dataset = get('datasets.tessera.dev', name);
        return condition(dataset, 'Stalled')?.status === 'True' ? dataset : undefined;
      }, 20_000);
      expect(condition(stalled, 'Ready')).toMatchObject({ status: 'False', reason });
      expect(condition(stalled, 'Stalled')?.reason).toBe(reason);
      expect(condition(stalled, 'Ready')?.message).toContain(says);
      expect(condition(stalled, 'Ready')?.message).toContain(digests.get(name));
    }
    // Give a retry loop time to show itself, then count.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    for (const { name, reason } of hostile) {
      const events = warningEvents(name);
      expect(events.map((e) => e.reason), name).toEqual([reason]);
      expect(events[0]?.count, name).toBe(1);
    }
    expect(errorLogLines()).toEqual([]);
  });

  it('makes an Algo whose code is hostile Ready=False and Stalled, naming the path', async () => {
    tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify({
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Algo',
      metadata: { name: 'hostile-code' },
      spec: { image: 'local/train:1', category: 'train', code: { digest: digests.get('dotdot') } },
    }));
    const algo = await waitFor('Algo hostile-code Stalled', () => {
      const found = get('algos.tessera.dev', 'hostile-code');
      return condition(found, 'Stalled')?.status === 'True' ? found : undefined;
    }, 20_000);
    expect(condition(algo, 'Ready')).toMatchObject({ status: 'False', reason: 'UnsafeFileSet' });
    expect(condition(algo, 'Ready')?.message).toContain(`unsafe path "../x"`);
    expect(warningEvents('hostile-code').map((e) => e.reason)).toEqual(['UnsafeFileSet']);
  });

  it('fails a Job pinning one before any pod, naming the path', async () => {
    const job = {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'Job',
      metadata: { name: 'pins-hostile' },
      spec: { image: 'local/sim:1', inputs: [{ name: 'data', fileSet: { digest: digests.get('case-collision') } }] },
    };
    tenant.kubectl(['apply', '-n', ns.name, '-f', '-'], JSON.stringify(job));
    const failed = await waitFor('Job pins-hostile Failed', () => {
      const found = get('jobs.tessera.dev', 'pins-hostile');
      return found.status?.phase === 'Failed' ? found : undefined;
    }, 20_000);
    expect(failed.status).toMatchObject({ reason: 'UnsafeFileSet' });
    expect(failed.status?.message).toContain('collides with "Model.bin" when case is folded');
    expect(await batchJobsOf(ns.name, 'pins-hostile')).toHaveLength(0);
    expect(errorLogLines()).toEqual([]);
  });
});
