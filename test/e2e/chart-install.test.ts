import type * as k8s from '@kubernetes/client-node';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { TesseraJob } from '../../src/api/job.ts';
import { helm } from '../support/helm.ts';
import { installTessera, operatorLogs, release, uninstallTessera } from '../../scripts/demo/install.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { loadedImage, namesImage } from '../support/image.ts';
import { tesseraImage } from '../support/real-node.ts';
import { portForward } from '../support/port-forward.ts';
import { tenantOf } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// Tessera installed the way users install it: the Helm chart into tessera-system, the operator
// running in the cluster on the real node (there is no cluster DNS, so the transfer Service is pinned
// to a ClusterIP the pods are told). Then a user's round trip: `tessera dataset push` from the host,
// `kubectl apply` a Job, and the Job's real pod pulls its input in an init container, runs, and its
// native push sidecar uploads the outputs once the main container has exited.

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

const releaseNs = release.namespace;
const crdNames = ['algos', 'computeplans', 'datasets', 'jobs'].map((plural) => `${plural}.tessera.dev`);
const ns = useNamespace(import.meta.filename);
const { core } = kube();
let scratch = '';

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tessera-chart-e2e-'));
  // A fresh install is what this file proves (another file may have left a release).
  uninstallTessera();
  // A fast GC would race the test's own file sets.
  installTessera({ gcIntervalSeconds: 0 }, { ui: { enabled: true } });
});

afterAll(async () => {
  uninstallTessera();
  await rm(scratch, { recursive: true, force: true });
});

/** Whatever says why a Job went wrong: its status, its pods and every container's log, the operator's log. */
function diagnose(name: string): string {
  const job = kubectl(['get', '-n', ns.name, 'jobs.tessera.dev', name, '-o', 'yaml']);
  const pods = kubectl(['get', 'pods', '-n', ns.name, '-o', 'yaml']);
  let logs: string;
  try {
    logs = kubectl(['logs', '-n', ns.name, '-l', `tessera.dev/job=${name}`, '--all-containers', '--prefix', '--tail=200']);
  } catch (error) {
    logs = (error as Error).message;
  }
  return `${job}
${pods}
container logs:
${logs}
operator log:
${operatorLogs().slice(-6000)}`;
}

/** The Tessera Job once `done` holds, with the operator's log in the failure message otherwise. */
async function waitForJob(name: string, done: (job: TesseraJob) => boolean, what: string): Promise<TesseraJob> {
  try {
    return await waitFor(`Job ${name} ${what}`, () => {
      const job = kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', name);
      return done(job) ? job : undefined;
    }, 150_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${diagnose(name)}`, { cause: error });
  }
}

const countScript = [
  'set -eu',
  'cat /tessera/inputs/data/*.txt > /tessera/outputs/out/all.txt',
  'lines=$(wc -l < /tessera/outputs/out/all.txt)',
  'echo "lines=$lines" > /tessera/outputs/out/result.txt',
  'echo "{\\"lines\\": $lines, \\"files\\": $(ls /tessera/inputs/data | wc -l)}" > /tessera/outputs/out/metrics.json',
  'echo "counted $lines lines"',
].join('\n');

/** Requests to the dashboard at `origin`, redirects not followed. */
function dashboardAt(origin: string): (path: string, init?: RequestInit) => Promise<Response> {
  return (path, init = {}) => fetch(`${origin}${path}`, { redirect: 'manual', ...init });
}

/** The sign-in form posted with `token`, naming the test's namespace and the release's. */
function signIn(at: ReturnType<typeof dashboardAt>, token: string): Promise<Response> {
  const body = new URLSearchParams({ token, namespaces: `${ns.name} ${releaseNs}` }).toString();
  return at('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

/** The `name=value` of the session cookie a sign-in set. */
function sessionOf(signedIn: Response): string {
  return signedIn.headers.get('set-cookie')?.split(';')[0] ?? '';
}

describe('Tessera installed with its Helm chart', () => {
  it('runs the operator in the cluster, on the real node, and it leads', async () => {
    const pods = await core.listNamespacedPod({ namespace: releaseNs, labelSelector: 'app.kubernetes.io/component=operator' });
    // A replica of an earlier install may still be terminating; the rollout's pod is the live one.
    const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
    expect(live).toHaveLength(1);
    const pod = live[0]!;
    expect(pod.spec?.nodeName).toBe('real-node-0');
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
    await waitFor('the operator to log that it leads', () => operatorLogs().includes('became the leader'));
    const lease = JSON.parse(kubectl(['get', 'lease', '-n', releaseNs, 'tessera-operator', '-o', 'json'])) as k8s.V1Lease;
    expect(lease.spec?.holderIdentity).toBe(pod.metadata?.name);
  });

  it("runs the operator from the chart's default image: the Dockerfile's, tagged with the appVersion", async () => {
    const pods = await core.listNamespacedPod({ namespace: releaseNs, labelSelector: 'app.kubernetes.io/component=operator' });
    const live = pods.items.find((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
    expect(live?.spec?.containers[0]?.image).toBe(tesseraImage);
    // The image build.sh built from the Dockerfile and loaded into the real node's containerd.
    expect(namesImage(live?.status?.containerStatuses?.[0]?.imageID ?? '', loadedImage())).toBe(true);
  });

  it('runs a user\'s Job on a pushed Dataset: pull init container, main, push sidecar, outputs and metrics in status', async () => {
    const data = join(scratch, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'a.txt'), 'one\ntwo\n');
    await writeFile(join(data, 'b.txt'), 'three\n');
    expect(await tesseraCli(['dataset', 'push', data, '--name', 'sample', '-n', ns.name])).toMatch(/is at version 1 \(2 files, 14 bytes\)/);

    kubectlApply(
      ns.name,
      stringify({
        apiVersion: 'tessera.dev/v1alpha1',
        kind: 'Job',
        metadata: { name: 'count' },
        spec: {
          image: tesseraImage,
          command: ['sh', '-c', countScript],
          inputs: [{ name: 'data', dataset: { name: 'sample' } }],
          outputs: [{ name: 'out' }],
          resources: { cpu: '500m', memory: '256Mi' },
        },
      }),
    );
    const job = await waitForJob('count', (j) => ['Succeeded', 'Failed'].includes(j.status?.phase ?? ''), 'to finish');
    if (job.status?.phase !== 'Succeeded') throw new Error(`Job count ${job.status?.phase}:\n${diagnose('count')}`);
    expect(job.status).toMatchObject({ phase: 'Succeeded', metrics: { lines: 3, files: 2 } });
    const out = job.status?.outputs?.find((o) => o.name === 'out');
    const logs = job.status?.outputs?.find((o) => o.name === 'logs');
    expect(out).toMatchObject({ files: 3 });
    expect(logs).toBeDefined();

    // The outputs are really in the store: a user pulls them from the host.
    await tesseraCli(['fileset', 'pull', out!.digest, join(scratch, 'out'), '-n', ns.name]);
    expect(await readFile(join(scratch, 'out', 'result.txt'), 'utf8')).toBe('lines=3\n');
    await tesseraCli(['fileset', 'pull', logs!.digest, join(scratch, 'logs'), '-n', ns.name]);
    const logFiles = await readdir(join(scratch, 'logs'));
    const logText = await Promise.all(logFiles.map((name) => readFile(join(scratch, 'logs', name), 'utf8')));
    expect(logText.join('')).toContain('counted 3 lines');
    // The chart's least-privilege RBAC was enough for all of it (Dataset, Job, batch Job, TokenReview,
    // pod annotation and log, events): the API server refused the operator nothing.
    expect(operatorLogs()).not.toMatch(/forbidden: User \\?"system:serviceaccount:/);
  });

  it('ran the push sidecar as the design says: SIGTERM after main exited, a clean exit, the pod terminal only after it', async () => {
    const job = kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', 'count');
    const pod = await core.readNamespacedPod({ namespace: ns.name, name: job.status!.podName! });
    expect(pod.spec?.nodeName).toBe('real-node-0');
    expect(pod.status?.phase).toBe('Succeeded');
    const state = (name: string): k8s.V1ContainerStateTerminated | undefined =>
      [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === name)?.state?.terminated;
    expect(state('pull')).toMatchObject({ exitCode: 0 });
    expect(state('main')).toMatchObject({ exitCode: 0 });
    expect(state('push')).toMatchObject({ exitCode: 0 });
    expect(new Date(state('push')!.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(state('main')!.finishedAt!).getTime());
    const pushLog = kubectl(['logs', '-n', ns.name, pod.metadata!.name!, '-c', 'push']);
    expect(pushLog).toMatch(/waiting for the main container to exit[\s\S]*committed the outputs/);
  });

  it('serves the dashboard in the cluster (ui.enabled): reached by port-forward, each person signs in with their own token and reads only what it may', async () => {
    const pods = await core.listNamespacedPod({ namespace: releaseNs, labelSelector: 'app.kubernetes.io/component=ui' });
    const pod = pods.items.find((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
    expect(pod?.spec?.nodeName).toBe('real-node-0');
    expect(pod?.spec?.containers[0]?.volumeMounts?.map((m) => m.mountPath)).not.toContain('/var/run/secrets/kubernetes.io/serviceaccount');
    const tenant = await tenantOf(ns.name);
    const forward = await portForward(releaseNs, `service/${release.name}-ui`, 80);
    try {
      const at = dashboardAt(forward.origin);
      expect((await at('/api/overview')).status).toBe(401);
      expect((await at('/')).headers.get('location')).toBe('/login');
      const refused = await signIn(at, 'not.a-token.of-this-cluster');
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain('did not accept this token');
      const signed = await signIn(at, tenant.config.getCurrentUser()?.token ?? '');
      expect(signed.status).toBe(303);
      const cookie = sessionOf(signed);
      expect(cookie).toMatch(/^tessera-ui-session=/);
      const overview = (await (await at('/api/overview', { headers: { cookie } })).json()) as { namespaces: string[]; hidden: string[]; jobs: Array<{ namespace: string; name: string; phase: string }> };
      // The pod read as the tenant: its own namespace, and nothing of the release's, which it may not read.
      expect(overview.namespaces).toEqual([ns.name]);
      expect(overview.hidden).toEqual([releaseNs]);
      expect(overview.jobs).toContainEqual(expect.objectContaining({ namespace: ns.name, name: 'count', phase: 'Succeeded' }));
      const catalog = (await (await at('/api/catalog', { headers: { cookie } })).json()) as Array<{ kind: string; namespace: string; name: string }>;
      expect(catalog).toContainEqual(expect.objectContaining({ kind: 'Dataset', namespace: ns.name, name: 'sample' }));
      expect(catalog.every((row) => row.namespace === ns.name)).toBe(true);
      // The page itself, its assets served from the image.
      const page = await at('/', { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>');
      // Signing out takes a POST: a GET (a link from anywhere) only shows the button.
      expect((await at('/logout', { headers: { cookie } })).status).toBe(200);
      expect((await at('/api/overview', { headers: { cookie } })).status).toBe(200);
      expect((await at('/logout', { method: 'POST', headers: { cookie } })).headers.get('location')).toBe('/login');
      const ended = await at('/api/overview', { headers: { cookie } });
      expect(ended.status).toBe(401);
      expect(await ended.json()).toMatchObject({ signIn: '/login' });
    } finally {
      forward.stop();
    }
  });

  it('keeps the CRDs, and the users\' objects, on helm uninstall', () => {
    helm(['uninstall', release.name, '-n', releaseNs, '--wait']);
    expect(kubectl(['get', 'deployments', '-n', releaseNs, '-o', 'name']).trim()).toBe('');
    expect(kubectl(['get', 'crd', '-o', 'name', ...crdNames]).trim().split('\n')).toHaveLength(4);
    expect(kubectlGet<TesseraJob>(ns.name, 'jobs.tessera.dev', 'count').status?.phase).toBe('Succeeded');
  });
});
