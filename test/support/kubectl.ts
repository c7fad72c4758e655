import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clusterEnv } from './cluster-env.ts';

const crdDir = fileURLToPath(new URL('../../crds/', import.meta.url));

/** Runs the local cluster's kubectl as a user would; throws with kubectl's stderr on failure. */
export function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  try {
    return execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl ${args.join(' ')} failed: ${stderr.trim()}`, { cause: error });
  }
}

/** `kubectl apply -f -` of a YAML or JSON manifest. */
export function kubectlApply(namespace: string, manifest: string): string {
  return kubectl(['apply', '-n', namespace, '-f', '-'], manifest);
}

/** `kubectl get -o json`, parsed. */
export function kubectlGet<T>(namespace: string, resource: string, name: string): T {
  return JSON.parse(kubectl(['get', '-n', namespace, resource, name, '-o', 'json'])) as T;
}

/** Installs Tessera's generated CRDs (idempotent) and waits until the API serves them. */
export function installCrds(): void {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', crdDir]);
  kubectl(['wait', '--for', 'condition=established', '--timeout=60s', '-f', crdDir]);
}
