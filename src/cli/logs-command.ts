import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { TesseraJob } from '../api/job.ts';
import type { KubeConnection } from './kube-connection.ts';
import type { LogTarget } from './logs-view.ts';
import { outputOption, type OutputFormat } from './output-option.ts';

// `tessera logs JOB` and `tessera logs PLAN/TASK`: a run's saved log, read back after its pod is gone,
// through the workstation API as the user (who needs `get` on filesets in the Job's namespace).

interface LogsFlags {
  namespace?: string;
  output: OutputFormat;
}

/** The Job `target` names: the Job itself, or the Job that stands for the plan's task. */
async function jobOf(conn: KubeConnection, namespace: string, target: LogTarget): Promise<TesseraJob> {
  const { readTessera } = await import('./apply-tessera.ts');
  if (target.kind === 'job') return readTessera<TesseraJob>(conn, 'jobs', namespace, target.name);
  const { readPlan, planJobs } = await import('./plan-command.ts');
  const { jobsByTask } = await import('../controllers/computeplan/task-jobs.ts');
  const { CliError } = await import('./errors.ts');
  const { plan } = await readPlan(target.plan, namespace);
  const job = jobsByTask(await planJobs(conn, plan), plan.metadata.uid ?? '').get(target.task);
  if (!job) throw new CliError(`error: task "${target.task}" of computeplans.tessera.dev "${target.plan}" has no Job (yet): tessera plan tree ${target.plan} -n ${namespace}`);
  return job;
}

/** The text of the file set `digest` saved as a log (its one file), pulled and verified in a scratch directory. */
async function readLog(conn: KubeConnection, namespace: string, digest: string): Promise<string> {
  const { pullFileSet } = await import('../storage/file-sets.ts');
  const { presignedReader } = await import('../transfer/pull.ts');
  const { filesApi } = await import('./files-api.ts');
  const scratch = await fs.mkdtemp(join(tmpdir(), 'tessera-logs-'));
  try {
    const urls = await filesApi(conn).fileSet(namespace, digest);
    await pullFileSet({ store: presignedReader(digest, urls), digest, dir: scratch });
    const files = (await fs.readdir(scratch)).sort();
    return (await Promise.all(files.map((file) => fs.readFile(join(scratch, file), 'utf8')))).join('');
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function printLogs(ref: string, flags: LogsFlags): Promise<void> {
  const { logTarget, savedLog } = await import('./logs-view.ts');
  const { connect } = await import('./kube-connection.ts');
  const { CliError } = await import('./errors.ts');
  const conn = await connect(flags.namespace);
  const { namespace } = conn;
  const job = await jobOf(conn, namespace, logTarget(ref));
  const saved = savedLog(job);
  if ('missing' in saved) throw new CliError(saved.missing);
  const jobNamespace = job.metadata.namespace ?? namespace;
  const log = await readLog(conn, jobNamespace, saved.digest);
  // The default (table) is the log as it was written.
  if (flags.output === 'table') {
    process.stdout.write(log);
    return;
  }
  const { formatOutput } = await import('./output.ts');
  console.log(formatOutput(flags.output, { job: job.metadata.name, namespace: jobNamespace, phase: job.status?.phase, digest: saved.digest, log }, () => log));
}

/** Registers `tessera logs`. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("a run's saved log (its main container's), also after its pod is gone")
    .argument('<job>', 'a Tessera Job, or PLAN/TASK for the Job of a ComputePlan task')
    .option('-n, --namespace <ns>', "the Job's (or plan's) namespace; default: the kubeconfig context's")
    .addOption(outputOption())
    .action(printLogs);
}
