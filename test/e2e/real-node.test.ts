import type * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from '../support/cluster-env.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { kubectl } from '../support/kubectl.ts';
import { onRealNode, realNodeLabel, terminated } from '../support/real-node.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// The real node runs real containers: the kubelet on containerd and runc, with cgroup v1 limits the
// kernel enforces. Every pod here selects and tolerates the real node; kwok never sees them.

beforeAll(() => awaitLatePart('minio'), latePartWaitMs);

const { core, batch } = kube();
const ns = useNamespace(import.meta.filename);

async function runningPod(pod: k8s.V1Pod): Promise<string> {
  const name = pod.metadata!.name!;
  await core.createNamespacedPod({ namespace: ns.name, body: pod });
  await waitFor(`pod ${name} to run`, async () => {
    const p = await core.readNamespacedPod({ name, namespace: ns.name });
    return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready === true;
  });
  return name;
}

const exec = (pod: string, ...command: string[]): string => kubectl(['exec', '-n', ns.name, pod, '--', ...command]);

/** kubectl exec without blocking this process, whose own HTTP server the pod may be calling. */
async function execAsync(pod: string, ...command: string[]): Promise<string> {
  const { kubeconfig, kubectl: bin } = clusterEnv();
  const { stdout } = await promisify(execFile)(bin, ['--kubeconfig', kubeconfig, 'exec', '-n', ns.name, pod, '--', ...command]);
  return stdout.trim();
}

describe('the real node', () => {
  it('is Ready, runs kubelet v1.34.4 on containerd 1.6, and is labelled and tainted for its own pods only', async () => {
    const nodes = await core.listNode({ labelSelector: `${realNodeLabel}=true` });
    expect(nodes.items).toHaveLength(1);
    const { metadata, spec, status } = nodes.items[0]!;
    expect(status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    expect(status?.nodeInfo?.kubeletVersion).toBe('v1.34.4');
    expect(status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\/1\.6\./);
    expect(spec?.taints).toContainEqual(expect.objectContaining({ key: realNodeLabel, effect: 'NoSchedule' }));
    expect(Object.keys(metadata?.annotations ?? {})).not.toContain('kwok.x-k8s.io/node');
  });

  it('completes a batch Job running the tessera image, and kubectl logs shows its output', async () => {
    await batch.createNamespacedJob({ namespace: ns.name, body: onRealNode().args('--help').job('cli-help') });

    const job = await waitFor(
      'the Job to finish',
      async () => {
        const j = await batch.readNamespacedJob({ name: 'cli-help', namespace: ns.name });
        return (j.status?.succeeded ?? 0) + (j.status?.failed ?? 0) > 0 ? j : undefined;
      },
      90_000,
    );
    expect(job.status?.succeeded).toBe(1);
    expect(kubectl(['logs', '-n', ns.name, 'job/cli-help'])).toMatch(/Usage: tessera/);
  });

  it('runs a command in a running container with kubectl exec, as the image user 65532', async () => {
    const pod = await runningPod(onRealNode().idle().pod('exec-target'));

    expect(exec(pod, 'id', '-u').trim()).toBe('65532');
    expect(exec(pod, 'node', '-e', 'console.log(process.version)').trim()).toMatch(/^v24\./);
  });

  it('lets the kernel OOM-kill a container that allocates past its memory limit', async () => {
    const hog = 'const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1));';
    await core.createNamespacedPod({ namespace: ns.name, body: onRealNode().nodeScript(hog).limits({ memory: '64Mi' }).pod('hog') });

    const state = await waitFor('the container to be terminated', async () =>
      terminated(await core.readNamespacedPod({ name: 'hog', namespace: ns.name })),
    );
    expect(state).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('puts a CPU limit of 500m into the container cgroup as a CFS quota of 50000 per 100000 µs', async () => {
    const pod = await runningPod(onRealNode().idle().limits({ cpu: '500m', memory: '128Mi' }).pod('cpu-limited'));

    expect(exec(pod, 'cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us').trim()).toBe('50000');
    expect(exec(pod, 'cat', '/sys/fs/cgroup/cpu/cpu.cfs_period_us').trim()).toBe('100000');
  });
});

describe('a pod on the real node', () => {
  let hostServer: Server | undefined;
  afterAll(() => hostServer?.close());

  it('reaches both object stores, a server on the host at the node IP, and the apiserver through its Service', async () => {
    const nodeIp = new URL(clusterEnv().s3Endpoint).hostname;
    hostServer = createServer((_req, res) => res.end('host says hello'));
    await new Promise<void>((resolve) => hostServer!.listen(0, nodeIp, resolve));
    const hostUrl = `http://${nodeIp}:${(hostServer.address() as AddressInfo).port}/`;
    const pod = await runningPod(onRealNode().idle().pod('network'));

    const fetchStatus = (url: string): Promise<string> =>
      execAsync(pod, 'node', '-e', `fetch(${JSON.stringify(url)}).then(async (r) => console.log(r.status, await r.text()))`);
    expect(await fetchStatus(`${clusterEnv().stores.seaweedfs}/healthz`)).toMatch(/^200/);
    expect(await fetchStatus(`${clusterEnv().stores.minio}/minio/health/live`)).toMatch(/^200/);
    expect(await fetchStatus(hostUrl)).toBe('200 host says hello');
    // In-cluster clients use KUBERNETES_SERVICE_HOST (10.0.0.1), which only kube-proxy's rules route.
    const inCluster = `
      const { readFileSync } = require('node:fs');
      const dir = '/var/run/secrets/kubernetes.io/serviceaccount/';
      const url = 'https://' + process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT + '/version';
      const ca = readFileSync(dir + 'ca.crt');
      require('node:https').get(url, { ca, headers: { authorization: 'Bearer ' + readFileSync(dir + 'token', 'utf8') } },
        (res) => { let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => console.log(res.statusCode, JSON.parse(body).gitVersion)); });`;
    expect(await execAsync(pod, 'node', '-e', inCluster)).toBe('200 v1.34.4');
  });
});
