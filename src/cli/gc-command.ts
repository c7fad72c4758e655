import * as k8s from '@kubernetes/client-node';
import type { Command } from 'commander';
import type { Algo } from '../api/algo.ts';
import type { Dataset } from '../api/dataset.ts';
import type { TesseraJob } from '../api/job.ts';

// `tessera gc`: one garbage collection now, from the file sets the cluster's Datasets, Algos and Jobs
// hold (the operator runs the same collection on its own schedule).

async function listAll<T>(custom: k8s.CustomObjectsApi, plural: string): Promise<T[]> {
  return ((await custom.listClusterCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural })) as { items: T[] }).items;
}

/** Registers `tessera gc`. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('delete the file sets no Dataset, Algo or Job uses any more (blobs, manifests, grants)')
    .option('--grace-seconds <n>', 'never delete objects younger than this', '3600')
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .action(async (flags: { graceSeconds: string; dryRun?: boolean }) => {
      const { liveManifests } = await import('../controllers/gc/live.ts');
      const { collectExpiredLeases, collectGarbage, collectOrphanGrants, collectStaging } = await import('../storage/gc.ts');
      const { storeFromEnv, kubeContext } = await import('./context.ts');
      const custom = kubeContext(undefined).kc.makeApiClient(k8s.CustomObjectsApi);
      // Listed again before every deletion batch: a file set recorded mid-sweep counts.
      const live = async (): Promise<string[]> =>
        liveManifests({
          datasets: await listAll<Dataset>(custom, 'datasets'),
          algos: await listAll<Algo>(custom, 'algos'),
          jobs: await listAll<TesseraJob>(custom, 'jobs'),
        });
      const store = storeFromEnv();
      try {
        const policy = { now: new Date(), graceMs: Number(flags.graceSeconds) * 1000 };
        const result = await collectGarbage({ store, liveManifests: live, ...policy, dryRun: flags.dryRun });
        const grants = flags.dryRun ? 0 : await collectOrphanGrants(store, policy);
        const staging = flags.dryRun ? 0 : await collectStaging(store, policy);
        const leases = flags.dryRun ? 0 : await collectExpiredLeases(store, policy);
        console.log(JSON.stringify({ ...result, deletedGrants: grants, deletedStaging: staging, deletedLeases: leases, dryRun: flags.dryRun === true }));
      } finally {
        store.close();
      }
    });
}
