import type { Command } from 'commander';

// `tessera gc`: one garbage collection now, run by the operator (the leader) on request, for whoever
// may create garbagecollections.files.tessera.dev (a cluster-scoped permission: platform
// administrators). The operator also collects on its own schedule.

/** Registers `tessera gc`. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('delete the file sets no Dataset, Algo or Job uses any more (blobs, manifests, grants)')
    .option('--grace-seconds <n>', 'never delete objects younger than this', '3600')
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .action(async (flags: { graceSeconds: string; dryRun?: boolean }) => {
      const { connect } = await import('./kube-connection.ts');
      const { filesApi } = await import('./files-api.ts');
      const graceSeconds = Number(flags.graceSeconds);
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0) throw new Error(`--grace-seconds must be a whole number of seconds, not ${flags.graceSeconds}`);
      const result = await filesApi(await connect(undefined)).collect({ graceSeconds, dryRun: flags.dryRun === true });
      console.log(JSON.stringify(result));
    });
}
