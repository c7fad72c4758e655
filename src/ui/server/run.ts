import { kubeContext } from '../../cli/context.ts';
import { assetSource } from './assets.ts';
import { sessionToken } from './gate.ts';
import { localDoor } from './local-door.ts';
import { resolveScope } from './scope.ts';
import { startDashboard } from './server.ts';

// `tessera ui`'s process: bundle (or find) the page, work out what the user may read, serve on
// 127.0.0.1 behind a secret of this run until interrupted. It prints its address, secret included,
// and opens nothing by itself.

/** Runs the dashboard until SIGINT or SIGTERM. */
export async function runUi(flags: { port: number; namespace: readonly string[] }): Promise<void> {
  const { kc, namespace } = kubeContext(undefined);
  // esbuild bundles the page on start in a checkout; the packaged CLI carries it already built.
  const assets = await assetSource(async (dir) => (await import('../build.ts')).buildUi(dir));
  const scope = await resolveScope(kc, flags.namespace.length > 0 ? flags.namespace : [namespace]);
  const secret = sessionToken();
  const dashboard = await startDashboard({ host: '127.0.0.1', port: flags.port, assets, door: localDoor(kc, scope, secret) });
  const where = scope.clusterWide ? 'every namespace you may list' : `namespaces ${scope.namespaces.join(', ') || 'none'}`;
  const refused = scope.refused.length > 0 ? `; you may not read ${scope.refused.join(', ')}` : '';
  console.log(`tessera ui: serving http://127.0.0.1:${dashboard.port}/?token=${secret} (${where}${refused}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
}
