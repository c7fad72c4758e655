import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removeLeftoverRelease } from '../../scripts/demo/install.ts';
import { clusterEnv } from './cluster-env.ts';

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
  removeLeftoverRelease("the tests'");
  return () => {
    // A test operator's files.tessera.dev left registered would block every namespace deletion.
    const env = clusterEnv();
    spawnSync(env.kubectl, ['--kubeconfig', env.kubeconfig, 'delete', 'apiservice', '-l', 'tessera.dev/test=true', '--ignore-not-found'], { stdio: 'ignore' });
    if (!wasHealthy && process.env.TESSERA_KEEP_CLUSTER !== '1') runCluster('down');
  };
}
