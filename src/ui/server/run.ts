import { kubeContext } from '../../cli/context.ts';
import type { UiFlags } from '../ui-command.ts';
import { assetSource } from './assets.ts';
import { apiServerInPod, clusterDoor } from './cluster-door.ts';
import { sessionToken } from './gate.ts';
import { localDoor } from './local-door.ts';
import { resolveScope } from './scope.ts';
import { startDashboard, type Door, type RunningDashboard } from './server.ts';

// `tessera ui`'s process: bundle (or find) the page, then serve until interrupted. On a workstation
// it reads as the kubeconfig's user, within what they may read, on 127.0.0.1 behind a secret of this
// run that it prints in its address (it opens nothing by itself). In a cluster it reads as whoever
// signed in.

async function serve(flags: UiFlags, door: (port: number) => Door, address: string): Promise<RunningDashboard> {
  // esbuild bundles the page on start in a checkout; the packaged CLI carries it already built.
  const assets = await assetSource(async (dir) => (await import('../build.ts')).buildUi(dir));
  return startDashboard({ host: address, port: flags.port, assets, door });
}

async function startLocal(flags: UiFlags): Promise<RunningDashboard> {
  // Reading as the kubeconfig's user, it must never be reachable from another machine.
  if (flags.address !== undefined && flags.address !== '127.0.0.1') throw new Error('--address is for --in-cluster: on a workstation the dashboard listens on 127.0.0.1 only');
  const { kc, namespace } = kubeContext(undefined);
  const scope = await resolveScope(kc, flags.namespace.length > 0 ? flags.namespace : [namespace]);
  const secret = sessionToken();
  const dashboard = await serve(flags, localDoor(kc, scope, secret), '127.0.0.1');
  const where = scope.clusterWide ? 'every namespace you may list' : `namespaces ${scope.namespaces.join(', ') || 'none'}`;
  const refused = scope.refused.length > 0 ? `; you may not read ${scope.refused.join(', ')}` : '';
  console.log(`tessera ui: serving http://127.0.0.1:${dashboard.port}/?token=${secret} (${where}${refused}); Ctrl-C stops it`);
  return dashboard;
}

async function startInCluster(flags: UiFlags): Promise<RunningDashboard> {
  const api = flags.apiServer ? { server: flags.apiServer, caFile: flags.apiCa } : apiServerInPod(flags.apiCa);
  const address = flags.address ?? '0.0.0.0';
  const dashboard = await serve(flags, clusterDoor(api), address);
  console.log(`tessera ui: serving on ${address}:${dashboard.port} for ${api.server}; each person signs in with their own token (kubectl port-forward, then http://localhost:PORT/login)`);
  return dashboard;
}

/** Runs the dashboard until SIGINT or SIGTERM. */
export async function runUi(flags: UiFlags): Promise<void> {
  const dashboard = flags.inCluster ? await startInCluster(flags) : await startLocal(flags);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
}
