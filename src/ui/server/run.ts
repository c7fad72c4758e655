import { kubeContext } from '../../cli/context.ts';
import { buildUi, uiDist } from '../build.ts';
import { prepareAssets } from './assets.ts';
import { startDashboard } from './server.ts';
import { resolveScope } from './visible.ts';

// `tessera ui`'s process: bundle (or find) the page, work out what the user may list, serve until
// interrupted. It prints its address and opens nothing by itself.

/** Runs the dashboard until SIGINT or SIGTERM. */
export async function runUi(flags: { port: number; namespace: readonly string[] }): Promise<void> {
  const { kc, namespace } = kubeContext(undefined);
  await prepareAssets(uiDist, buildUi);
  const scope = await resolveScope(kc, flags.namespace.length > 0 ? flags.namespace : [namespace]);
  const dashboard = await startDashboard({ kc, scope, port: flags.port, assetsDir: uiDist });
  const where = scope.clusterWide ? 'every namespace you may list' : `namespaces ${scope.namespaces.join(', ')}`;
  console.log(`tessera ui: serving ${dashboard.url} (${where}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
}
