import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { chartDir, helm, helmBinary, helmRun } from '../../test/support/helm.ts';
import { tesseraImageReference } from '../../test/support/image.ts';
import { kubectl } from './federated.ts';
import { allKinds } from '../../src/api/kinds.ts';

// Tessera installed on the local cluster the way users install it: the Helm chart, the operator in
// the cluster. The local cluster has no DNS and one real node, tainted for pods meant for it, so the
// values pin the transfer Service to an address and place the operator and every run on that node.

/** The release the demo and the e2e tests install. */
export const release = { name: 'tessera', namespace: 'tessera-system' } as const;

// Every kind's CRD, so a new kind's is adopted too (the chart templates them all).
const crdNames = allKinds.map((kind) => `${kind.plural}.${kind.group}`);
const realNodeLabel = 'tessera.dev/real-node';
const onRealNode = {
  nodeSelector: { [realNodeLabel]: 'true' },
  tolerations: [{ key: realNodeLabel, operator: 'Exists', effect: 'NoSchedule' }],
};

/**
 * A free address for the transfer Service in the static band of 10.0.0.0/24 (the first 16, which
 * the API server hands out dynamically only when the rest is full); the one it already has on a rerun.
 */
export function transferClusterIp(): string {
  const current = kubectl(['get', 'service', '-n', release.namespace, `${release.name}-transfer`, '--ignore-not-found', '-o', 'jsonpath={.spec.clusterIP}']).trim();
  if (current) return current;
  const used = new Set(kubectl(['get', 'services', '-A', '-o', 'jsonpath={.items[*].spec.clusterIP}']).split(/\s+/));
  const free = Array.from({ length: 14 }, (_, i) => `10.0.0.${i + 2}`).find((ip) => !used.has(ip));
  if (!free) throw new Error(`no free ClusterIP in 10.0.0.2-15 (used: ${[...used].join(' ')})`);
  return free;
}

/**
 * CRDs applied with kubectl earlier (the integration tests do) become the release's, as a user adopts
 * existing objects into a release: Helm's ownership label and annotations.
 */
export function adoptExistingCrds(): void {
  const existing = kubectl(['get', 'crd', '-o', 'name', ...crdNames, '--ignore-not-found']).split('\n').filter(Boolean);
  if (existing.length === 0) return;
  kubectl(['label', '--overwrite', ...existing, 'app.kubernetes.io/managed-by=Helm']);
  kubectl(['annotate', '--overwrite', ...existing, `meta.helm.sh/release-name=${release.name}`, `meta.helm.sh/release-namespace=${release.namespace}`]);
}

/**
 * The digest of the Tessera image loaded in the real node's containerd. The tag (the chart's
 * appVersion) stays while the code changes, so the pod template carries the digest: a rebuilt image
 * rolls the operator out.
 */
export function loadedImageDigest(): string {
  const address = process.env.TESSERA_CONTAINERD_ADDRESS ?? `${process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster'}/containerd/containerd.sock`;
  const listing = execFileSync('ctr', ['--address', address, '--connect-timeout', '5s', '-n', 'k8s.io', 'images', 'ls'], { encoding: 'utf8' });
  const line = listing.split('\n').find((l) => l.startsWith(`${tesseraImageReference} `));
  return /sha256:[0-9a-f]{64}/.exec(line ?? '')?.[0] ?? 'unknown';
}

/** The values of the local cluster: its object store, the pinned transfer address, the real node. */
export function localClusterValues(operator: Record<string, unknown> = {}): Record<string, unknown> {
  const env = clusterEnv();
  return {
    ...onRealNode,
    runs: onRealNode,
    podAnnotations: { 'tessera.dev/image-digest': loadedImageDigest() },
    objectStore: { endpoint: env.s3Endpoint, accessKey: env.s3AccessKey, secretKey: env.s3SecretKey },
    transfer: { service: { clusterIP: transferClusterIp() } },
    operator: { logLevel: 'info', ...operator },
  };
}

/** The operator's log, for failure messages. */
export function operatorLogs(): string {
  try {
    return kubectl(['logs', '-n', release.namespace, `deployment/${release.name}`, '--tail=-1']);
  } catch (error) {
    return `(no operator log: ${(error as Error).message})`;
  }
}

/**
 * `helm upgrade --install` with the local cluster's values (plus `values`, e.g. `{ ui: { enabled: true } }`),
 * then waits for the operator, and the dashboard when it is on, to be Ready.
 */
export function installTessera(operator: Record<string, unknown> = {}, values: Record<string, unknown> = {}): void {
  adoptExistingCrds();
  // The tests' own registration of files.tessera.dev (test/support/workstation-api.ts) gives way to the chart's.
  kubectl(['delete', 'apiservice', '-l', 'tessera.dev/test=true', '--ignore-not-found']);
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-install-'));
  try {
    const valuesFile = join(scratch, 'values.yaml');
    writeFileSync(valuesFile, stringify({ ...localClusterValues(operator), ...values }));
    // Helm 4 applies server-side: fields of adopted CRDs that kubectl applied (another field manager)
    // would conflict, so the release takes them over, as adoption means.
    helm(['upgrade', '--install', release.name, chartDir, '-n', release.namespace, '--create-namespace', '--force-conflicts', '-f', valuesFile]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const deployments = [release.name, ...((values.ui as { enabled?: boolean } | undefined)?.enabled ? [`${release.name}-ui`] : [])];
  for (const deployment of deployments) {
    try {
      kubectl(['rollout', 'status', '-n', release.namespace, `deployment/${deployment}`, '--timeout=150s']);
    } catch (error) {
      const pods = kubectl(['get', 'pods', '-n', release.namespace, '-o', 'wide']);
      throw new Error(`${deployment} did not become Ready:\n${pods}\n${operatorLogs().slice(-4000)}`, { cause: error });
    }
  }
}

/** Whether the release is installed. */
export function isInstalled(): boolean {
  return helmRun(['status', release.name, '-n', release.namespace]).status === 0;
}

/** `helm uninstall` (the CRDs stay, and with them every Tessera object). */
export function uninstallTessera(): void {
  if (isInstalled()) helmRun(['uninstall', release.name, '-n', release.namespace, '--wait']);
}

/**
 * Uninstalls a release left in the cluster (by `npm run demo`, or an e2e file that died before its
 * cleanup): its operator watches every namespace and would reconcile `whose` objects beside their
 * own operator. Call it with the cluster up.
 */
export function removeLeftoverRelease(whose: string): void {
  if (!existsSync(helmBinary()) || !isInstalled()) return;
  console.log(`uninstalling the Helm release ${release.namespace}/${release.name}: its operator would race ${whose} own`);
  uninstallTessera();
}
