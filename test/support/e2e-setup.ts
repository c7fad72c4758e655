import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const clusterScript = fileURLToPath(new URL('../../scripts/cluster.sh', import.meta.url));
const imagesScript = fileURLToPath(new URL('../../scripts/images/build.sh', import.meta.url));
const runDir = process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster';

const needs =
  `See the messages above and the logs under ${runDir}/logs (containerd, kubelet, kube-proxy, images, apt). ` +
  'The real node needs root, cgroup v1, Go (to build the kubelet, kube-proxy and the pause program), ' +
  "Debian's apt archive (containerd, runc, containernetworking-plugins, iptables, debootstrap and buildah are " +
  'installed on first use), `npm ci` (the seeded node:24-bookworm-slim takes its Node binary from node_modules/node) ' +
  "and the npm registry (the Dockerfile's `npm ci`; see the images log). " +
  'Run `scripts/cluster.sh up` by hand to see each step.';

function run(script: string, args: string[], quiet = false): number {
  const result = spawnSync('bash', [script, ...args], { stdio: quiet ? 'ignore' : 'inherit' });
  return result.status ?? 1;
}

/**
 * Brings the local cluster with its real node up for the e2e tests, or reuses a healthy one, and makes
 * sure the real node's containerd holds the current images, built from the top-level Dockerfile (a
 * changed src/ is rebuilt and loaded in about 25 seconds). Fails with what to do when a part is
 * missing; never skips. A cluster this run started is stopped at the end (TESSERA_KEEP_CLUSTER=1
 * keeps it).
 */
export default function setup(): () => void {
  if (process.env.TESSERA_REAL_NODE === '0') {
    throw new Error('the e2e tests run on the real node, which TESSERA_REAL_NODE=0 turns off; unset it');
  }
  const wasHealthy = run(clusterScript, ['status'], true) === 0;
  if (!wasHealthy && run(clusterScript, ['up']) !== 0) {
    throw new Error(`the local cluster with its real node did not come up. ${needs}`);
  }
  if (wasHealthy && run(imagesScript, []) !== 0) {
    throw new Error(`the images did not build or load into the real node's containerd. ${needs}`);
  }
  return () => {
    if (!wasHealthy && process.env.TESSERA_KEEP_CLUSTER !== '1') run(clusterScript, ['down']);
  };
}
