import { spawn } from 'node:child_process';
import { clusterEnv } from './cluster-env.ts';

/** A running `kubectl port-forward` and the local address it listens on. */
export interface PortForward {
  origin: string;
  stop(): void;
}

/**
 * `kubectl port-forward -n NS TARGET :REMOTE` on 127.0.0.1, as a person reaches an in-cluster
 * service; resolves once kubectl says where it listens. Needs the real node (kwok pods have no streams).
 */
export function portForward(namespace: string, target: string, remotePort: number, timeoutMs = 30_000): Promise<PortForward> {
  const env = clusterEnv();
  const child = spawn(env.kubectl, ['--kubeconfig', env.kubeconfig, 'port-forward', '-n', namespace, '--address', '127.0.0.1', target, `:${remotePort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl port-forward ${target} did not listen within ${timeoutMs} ms: ${said}`));
    }, timeoutMs);
    const listen = (chunk: Buffer): void => {
      said += chunk.toString();
      const port = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(said)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ origin: `http://127.0.0.1:${port}`, stop: () => child.kill() });
    };
    child.stdout.on('data', listen);
    child.stderr.on('data', listen);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward ${target} exited with ${code}: ${said}`));
    });
  });
}
