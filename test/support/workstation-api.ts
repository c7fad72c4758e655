import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterEnv } from './cluster-env.ts';
import { kubectl } from './kubectl.ts';
import { waitFor } from './wait.ts';

// The workstation API (files.tessera.dev) of a test's operator, registered with the local cluster's
// aggregation layer the way the chart registers the installed one: an APIService whose caBundle is
// the cluster CA, and a selectorless Service whose endpoint is the operator's port on the node
// address (the API server routes to endpoints: --enable-aggregator-routing). The last operator a
// test starts serves it; files run one at a time.

const runDir = process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster';
const nodeIp = process.env.TESSERA_NODE_IP ?? '10.200.0.1';
/** Where test operators' API registration lives; the chart's install replaces it (removeTestApiService). */
export const testApiNamespace = 'tessera-dev-api';
export const apiServiceName = 'v1alpha1.files.tessera.dev';

/** The serving pair scripts/cluster.sh made for test operators, and the address they listen on. */
export function workstationApiArgs(port: number): string[] {
  const pki = join(runDir, 'pki');
  return ['--api-address', `${nodeIp}:${port}`, '--api-cert-file', join(pki, 'tessera-api.crt'), '--api-key-file', join(pki, 'tessera-api.key')];
}

function registration(port: number): string {
  const caBundle = readFileSync(join(runDir, 'pki', 'ca.crt')).toString('base64');
  const meta = (name: string): Record<string, unknown> => ({ name, namespace: testApiNamespace, labels: { 'tessera.dev/test': 'true' } });
  const items = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: testApiNamespace, labels: { 'tessera.dev/test': 'true' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: meta('tessera-api'), spec: { ports: [{ name: 'https', port: 443, targetPort: port, protocol: 'TCP' }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { ...meta('tessera-api-host'), labels: { 'kubernetes.io/service-name': 'tessera-api', 'endpointslice.kubernetes.io/managed-by': 'tessera-tests' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [nodeIp], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: apiServiceName, labels: { 'tessera.dev/test': 'true' } },
      spec: { group: 'files.tessera.dev', version: 'v1alpha1', service: { namespace: testApiNamespace, name: 'tessera-api', port: 443 }, caBundle, groupPriorityMinimum: 1000, versionPriority: 15 },
    },
  ];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

function available(): boolean {
  const status = kubectl(['get', 'apiservice', apiServiceName, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
  return status === 'True';
}

/** Points the cluster's files.tessera.dev at the operator listening on `port`, and waits until it answers. */
export async function serveWorkstationApiFrom(port: number): Promise<void> {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], registration(port));
  const env = clusterEnv();
  await waitFor(`APIService ${apiServiceName} Available on port ${port}`, () => {
    if (!available()) return false;
    // Discovery through the API server reaches this very operator (an old endpoint may linger a moment).
    const out = kubectl(['--kubeconfig', env.kubeconfig, 'get', '--raw', '/apis/files.tessera.dev/v1alpha1']);
    return out.includes('garbagecollections');
  }, 60_000);
}

/**
 * Takes the registration away if it still points at the operator on `port`, as the chart's uninstall
 * does: an APIService whose backend is gone fails discovery, and the namespace controller then
 * refuses to finish deleting any namespace (NamespaceDeletionDiscoveryFailure).
 */
export function stopServingWorkstationApiFrom(port: number): void {
  const target = kubectl(['get', 'service', '-n', testApiNamespace, 'tessera-api', '--ignore-not-found', '-o', 'jsonpath={.spec.ports[0].targetPort}']).trim();
  if (target === String(port)) kubectl(['delete', 'apiservice', apiServiceName, '--ignore-not-found', '--wait=false']);
}
