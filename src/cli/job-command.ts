import type { Command } from 'commander';
import type { TesseraJob } from '../api/job.ts';
import { outputOption, type OutputFormat } from './output-option.ts';

// `tessera job list`: the Tessera Jobs of a namespace (or of every namespace the user may list), a
// table for people or, as `kubectl get -o json`, a List of them for scripts.

interface ListFlags {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  output: OutputFormat;
}

async function listJobs(flags: ListFlags): Promise<void> {
  const { connect } = await import('./kube-connection.ts');
  const { listTessera } = await import('./apply-tessera.ts');
  const { formatOutput } = await import('./output.ts');
  const { jobTable } = await import('./job-view.ts');
  const conn = await connect(flags.namespace);
  const selection = { ...(flags.allNamespaces ? {} : { namespace: conn.namespace }), ...(flags.selector ? { labelSelector: flags.selector } : {}) };
  const jobs = await listTessera<TesseraJob>(conn, 'jobs', selection);
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
    .addOption(outputOption())
    .action(listJobs);
}
