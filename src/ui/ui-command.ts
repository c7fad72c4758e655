import type { Command } from 'commander';

// `tessera ui`: the dashboard on 127.0.0.1, reading the cluster with the user's kubeconfig.

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port (0-65535), not ${value}`);
  return port;
}

/** Registers `tessera ui`. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('serve the dashboard on 127.0.0.1, showing what your kubeconfig lets you see')
    .option('--port <port>', 'the port to listen on (0: any free port)', parsePort, 8765)
    .option('-n, --namespace <ns>', 'a namespace to show when you may not list namespaces (repeatable; default: the context\'s)', collect, [])
    .action(async (flags: { port: number; namespace: string[] }) => {
      const { runUi } = await import('./server/run.ts');
      await runUi(flags);
    });
}
