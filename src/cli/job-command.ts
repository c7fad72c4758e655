import type { Command } from 'commander';
import type { TesseraJob } from '../api/job.ts';
import { parseMetricFilter, passesMetric } from '../ui/app/filter.ts';
import { CliError } from './errors.ts';
import { outputOption, type OutputFormat } from './output-option.ts';

// `tessera job list`: the Tessera Jobs of a namespace (or of every namespace the user may list), a
// table for people or, as `kubectl get -o json`, a List of them for scripts.

interface ListFlags {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  where: string[];
  output: OutputFormat;
}

/** The Jobs whose metrics pass every `--where` comparison; parsed before anything is read. */
function metricQuery(comparisons: readonly string[]): (job: TesseraJob) => boolean {
  const filters = comparisons.map((text) => {
    const filter = parseMetricFilter(text);
    if (filter instanceof Error) throw new CliError(`error: invalid argument "${text}" for "--where" flag: ${filter.message}`);
    return filter;
  });
  return (job) => filters.every((filter) => passesMetric(filter, job.status?.metrics ?? {}));
}

async function listJobs(flags: ListFlags): Promise<void> {
  const passes = metricQuery(flags.where);
  const { connect } = await import('./kube-connection.ts');
  const { listTessera } = await import('./apply-tessera.ts');
  const { formatOutput } = await import('./output.ts');
  const { jobTable } = await import('./job-view.ts');
  const conn = await connect(flags.namespace);
  const selection = { ...(flags.allNamespaces ? {} : { namespace: conn.namespace }), ...(flags.selector ? { labelSelector: flags.selector } : {}) };
  const jobs = (await listTessera<TesseraJob>(conn, 'jobs', selection)).filter(passes);
  if (jobs.length === 0 && flags.output === 'table') {
    console.error(flags.allNamespaces ? 'No resources found' : `No resources found in ${conn.namespace} namespace.`);
    return;
  }
  const table = (): string => jobTable(jobs, { allNamespaces: flags.allNamespaces === true, now: Date.now() });
  console.log(formatOutput(flags.output, { apiVersion: 'v1', kind: 'List', items: jobs }, table));
}

/** Registers `tessera job`. */
export function registerJob(program: Command): void {
  program
    .command('job')
    .description('Tessera Jobs')
    .command('list')
    .description('the Jobs of a namespace with their phase, reason and attempts (-o json|yaml: the Jobs)')
    .option('-n, --namespace <ns>', "the namespace; default: the kubeconfig context's")
    .option('-A, --all-namespaces', 'the Jobs of every namespace you may list')
    .option('-l, --selector <labels>', 'only Jobs with these labels, e.g. tessera.dev/plan-uid=…')
    .option('--where <comparison>', "only Jobs whose metric passes it, e.g. 'accuracy>0.8' (repeat: all must pass)", (value: string, all: string[]) => [...all, value], [])
    .addOption(outputOption())
    .action(listJobs);
}
