import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helmBinary } from './helm.ts';
import { isInstalled, release, uninstallTessera } from '../../scripts/demo/install.ts';

const clusterScript = fileURLToPath(new URL('../../scripts/cluster.sh', import.meta.url));

function runCluster(command: 'up' | 'down' | 'status', quiet = false): number {
  const result = spawnSync('bash', [clusterScript, command], { stdio: quiet ? 'ignore' : 'inherit' });
  return result.status ?? 1;
}

/**
 * Brings the local cluster up for the integration tests, or reuses one that is already healthy.
 * A cluster this run started is stopped when the run ends (TESSERA_KEEP_CLUSTER=1 keeps it); one that
 * was already running is left as it was.
 */
export default function setup(): () => void {
  const wasHealthy = runCluster('status', true) === 0;
  if (!wasHealthy && runCluster('up') !== 0) {
    throw new Error(
      'the local cluster did not come up; see the messages above and the logs under /tmp/tessera-cluster/logs. ' +
        'It needs Go (to build kube-apiserver, etcd, kwok and MinIO), openssl, curl and iproute2, and root for its veth.',
    );
  }
  // An in-cluster operator (left by `npm run demo`, or by an e2e file that died before its cleanup)
  // watches every namespace and would reconcile the tests' objects beside the operator each test starts.
  if (existsSync(helmBinary()) && isInstalled()) {
    console.log(`uninstalling the Helm release ${release.namespace}/${release.name}: its operator would race the tests' own`);
    uninstallTessera();
  }
  return () => {
    if (!wasHealthy && process.env.TESSERA_KEEP_CLUSTER !== '1') runCluster('down');
  };
}
