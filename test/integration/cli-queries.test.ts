import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { useNamespace } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply } from '../support/kubectl.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';

// Tags and metric queries, as FATE's users tag jobs and ACAI's query metadata: labels on Tessera
// objects with `kubectl get -l` and `tessera job list -l`, and `tessera job list --where` comparing a
// metric. The Jobs' metrics are written to their status as the operator records them (no operator
// runs here: the query reads what status says, whoever wrote it).

const ns = useNamespace(import.meta.filename);
let tenant: Tenant;

const jobs = [
  { name: 'cnn-small', labels: { team: 'vision', arch: 'cnn' }, metrics: { accuracy: 0.71, loss: 0.9 } },
  { name: 'cnn-wide', labels: { team: 'vision', arch: 'cnn' }, metrics: { accuracy: 0.86, loss: 0.4 } },
  { name: 'vit', labels: { team: 'vision', arch: 'vit' }, metrics: { accuracy: 0.91, loss: 0.3 } },
  { name: 'tabular', labels: { team: 'risk' }, metrics: { auc: 0.8 } },
];

const names = (table: string): string[] => table.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0]!);

beforeAll(async () => {
  installCrds();
  tenant = await tenantOf(ns.name);
  kubectlApply(ns.name, jobs.map((j) => stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: j.name, labels: j.labels }, spec: { image: 'local/sim:1' } })).join('---\n'));
  for (const job of jobs) {
    kubectl(['patch', '-n', ns.name, 'jobs.tessera.dev', job.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Succeeded', metrics: job.metrics } })]);
  }
});

describe('labels and metric queries', () => {
  it('selects by label with kubectl and with tessera, as the tenant', async () => {
    expect(tenant.kubectl(['get', 'jobs.tessera.dev', '-n', ns.name, '-l', 'arch=cnn', '-o', 'name']).trim().split('\n')).toEqual(['job.tessera.dev/cnn-small', 'job.tessera.dev/cnn-wide']);
    expect(names(await tesseraCli(['job', 'list', '-n', ns.name, '-l', 'team=vision,arch!=vit'], tenant.kubeconfig))).toEqual(['cnn-small', 'cnn-wide']);
  });

  it('keeps the Jobs whose metric passes every --where, combined with a label selector', async () => {
    expect(names(await tesseraCli(['job', 'list', '-n', ns.name, '--where', 'accuracy>0.8'], tenant.kubeconfig))).toEqual(['cnn-wide', 'vit']);
    expect(names(await tesseraCli(['job', 'list', '-n', ns.name, '--where', 'accuracy > 0.8', '--where', 'loss>=0.35'], tenant.kubeconfig))).toEqual(['cnn-wide']);
    expect(names(await tesseraCli(['job', 'list', '-n', ns.name, '-l', 'arch=cnn', '--where', 'loss<0.5'], tenant.kubeconfig))).toEqual(['cnn-wide']);
    // A Job without the metric does not pass a comparison of it.
    expect(names(await tesseraCli(['job', 'list', '-n', ns.name, '--where', 'auc>=0.8'], tenant.kubeconfig))).toEqual(['tabular']);
    const listed = JSON.parse(await tesseraCli(['job', 'list', '-n', ns.name, '--where', 'accuracy>0.9', '-o', 'json'], tenant.kubeconfig)) as { items: Array<{ metadata: { name: string } }> };
    expect(listed.items.map((j) => j.metadata.name)).toEqual(['vit']);
  });

  it('says when nothing passes, and refuses a comparison it cannot read before asking the server', async () => {
    await expect(tesseraCli(['job', 'list', '-n', ns.name, '--where', 'accuracy>0.99'], tenant.kubeconfig)).resolves.toBe('');
    await expect(tesseraCli(['job', 'list', '-n', ns.name, '--where', 'accuracy is high'], tenant.kubeconfig)).rejects.toThrow(
      /error: invalid argument "accuracy is high" for "--where" flag: "accuracy is high" is not a metric comparison such as accuracy > 0.8/,
    );
  });
});
