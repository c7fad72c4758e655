import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makeBatchJob, makePod } from '../support/builders.ts';
import { clusterEnv } from '../support/cluster-env.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';

// These prove the ground the operator stands on is real: the scheduler, the Job controller, the
// garbage collector and MinIO each do their part, and every assertion reads state back from them.

const { core, batch } = kube();
const ns = useNamespace(import.meta.filename);

const podScheduledCondition = (pod: k8s.V1Pod): k8s.V1PodCondition | undefined =>
  pod.status?.conditions?.find((c) => c.type === 'PodScheduled');

async function placement(names: string[]): Promise<{ bound: k8s.V1Pod[]; unschedulable: k8s.V1Pod[] }> {
  const list = await core.listNamespacedPod({ namespace: ns.name });
  const pods = list.items.filter((p) => names.includes(p.metadata?.name ?? ''));
  return {
    bound: pods.filter((p) => p.spec?.nodeName),
    unschedulable: pods.filter((p) => podScheduledCondition(p)?.reason === 'Unschedulable'),
  };
}

describe('the local cluster', () => {
  it('binds a pod asking for 2 GPUs, with the GPU toleration, to a GPU node', async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: makePod('two-gpus').gpu(2).tolerateGpu().obj() });

    const pod = await waitFor('the pod to be bound', async () => {
      const p = await core.readNamespacedPod({ name: 'two-gpus', namespace: ns.name });
      return p.spec?.nodeName ? p : undefined;
    });
    const node = await core.readNode({ name: pod.spec!.nodeName! });
    expect(node.metadata?.labels?.['tessera.dev/pool']).toBe('gpu');
    expect(node.status?.allocatable?.['nvidia.com/gpu']).toBe('8');
    await waitFor('the pod to run on its kwok node', async () => {
      const p = await core.readNamespacedPod({ name: 'two-gpus', namespace: ns.name });
      return p.status?.phase === 'Running';
    });
    await core.deleteNamespacedPod({ name: 'two-gpus', namespace: ns.name, gracePeriodSeconds: 0 });
  });

  it('leaves exactly one of three 8-GPU pods Pending as Unschedulable on two 8-GPU nodes', async () => {
    const names = ['whole-node-a', 'whole-node-b', 'whole-node-c'];
    for (const name of names) {
      await core.createNamespacedPod({ namespace: ns.name, body: makePod(name).gpu(8).tolerateGpu().obj() });
    }

    const settled = await waitFor('two pods bound and one marked Unschedulable', async () => {
      const { bound, unschedulable } = await placement(names);
      return bound.length === 2 && unschedulable.length === 1 ? { bound, unschedulable } : undefined;
    });
    expect(new Set(settled.bound.map((p) => p.spec!.nodeName)).size).toBe(2);
    const condition = podScheduledCondition(settled.unschedulable[0]!)!;
    expect(condition.status).toBe('False');
    expect(condition.message).toMatch(/Insufficient nvidia\.com\/gpu/);
    for (const name of names) await core.deleteNamespacedPod({ name, namespace: ns.name, gracePeriodSeconds: 0 });
  });

  it('runs a batch/v1 Job to completion through the kwok stages', async () => {
    await batch.createNamespacedJob({ namespace: ns.name, body: makeBatchJob('completes').runFor('1s').obj() });

    const job = await waitFor('the Job to complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'completes', namespace: ns.name });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    expect(job.status?.succeeded).toBe(1);
    expect(job.status?.failed ?? 0).toBe(0);
  });

  it('fails a batch/v1 Job whose pod exits 3, as counted by the Job controller', async () => {
    await batch.createNamespacedJob({ namespace: ns.name, body: makeBatchJob('exits-3').exitCode(3).backoffLimit(0).obj() });

    const job = await waitFor('the Job to fail', async () => {
      const j = await batch.readNamespacedJob({ name: 'exits-3', namespace: ns.name });
      return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? j : undefined;
    });
    expect(job.status?.failed).toBe(1);
    expect(job.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'job-name=exits-3' });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]!.status!.containerStatuses![0]!.state!.terminated!.exitCode).toBe(3);
  });

  it('garbage-collects a child when its owner is deleted', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'owner' } } });
    const ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }];
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'child', ownerReferences } } });

    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns.name, propagationPolicy: 'Background' });

    await waitFor('the child to be collected', async () => {
      const list = await core.listNamespacedConfigMap({ namespace: ns.name, fieldSelector: 'metadata.name=child' });
      return list.items.length === 0;
    });
  });

  it('round-trips an object through MinIO with the AWS SDK', async () => {
    const env = clusterEnv();
    const s3 = new S3Client({
      endpoint: env.s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey },
    });
    const bucket = ns.name;
    const body = `hello from ${ns.name} ${'x'.repeat(1000)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt', Body: body }));

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt' }));
    expect(await got.Body!.transformToString()).toBe(body);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt' }));
    s3.destroy();
  });
});
