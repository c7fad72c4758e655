import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removeLeftoverRelease } from '../demo/install.ts';

const clusterScript = fileURLToPath(new URL('../cluster.sh', import.meta.url));

/**
 * Brings the local cluster up, or reuses a healthy one, with no Helm-installed operator left in it:
 * one left by `npm run demo` would reconcile the benchmark's objects and skew every figure.
 */
export function benchCluster(): void {
  execFileSync('bash', [clusterScript, 'up'], { stdio: 'inherit' });
  removeLeftoverRelease("the benchmark's");
}
