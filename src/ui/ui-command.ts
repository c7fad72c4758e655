import type { Command } from 'commander';

// `tessera ui`: the dashboard on 127.0.0.1, reading the cluster with the user's kubeconfig; with
// --in-cluster, the chart's ui.enabled: a pod without credentials, each person signing in with
// their own token.

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port (0-65535), not ${value}`);
  return port;
}

/** `tessera ui`'s flags. */
export interface UiFlags {
  port: number;
  namespace: string[];
  inCluster?: boolean;
  address?: string;
  apiServer?: string;
  apiCa: string;
}

/** Registers `tessera ui`. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('serve the dashboard on 127.0.0.1, showing what your kubeconfig lets you see')
    .option('--port <port>', 'the port to listen on (0: any free port)', parsePort, 8765)
    .option('-n, --namespace <ns>', 'a namespace to show when you may not list namespaces (repeatable; default: the context\'s)', collect, [])
    .option('--in-cluster', 'serve in a pod (the chart\'s ui.enabled): no kubeconfig, each person signs in with their own bearer token and reads as themselves')
    .option('--address <ip>', 'the address to listen on (default: 127.0.0.1; 0.0.0.0 with --in-cluster)')
    .option('--api-server <url>', 'with --in-cluster: the API server (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)')
    .option('--api-ca <file>', 'with --in-cluster: the CA of the API server\'s certificate', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt')
    .action(async (flags: UiFlags) => {
      const { runUi } = await import('./server/run.ts');
      await runUi(flags);
    });
}
