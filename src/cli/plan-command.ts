import type { Command } from 'commander';
import type { ComputePlan } from '../api/computeplan.ts';
import type { TesseraJob } from '../api/job.ts';
import type { KubeConnection } from './kube-connection.ts';
import { outputOption, type OutputFormat } from './output-option.ts';

// `tessera plan tree|leaderboard|trials`: read-only views of a ComputePlan, a table for people or the objects
// behind it (`-o json|yaml`) for scripts.

interface ReadFlags {
  namespace?: string;
  output: OutputFormat;
}

/** Reads the plan `name` through the kubeconfig, as the user. */
export async function readPlan(name: string, namespace: string | undefined): Promise<{ conn: KubeConnection; plan: ComputePlan }> {
  const { connect } = await import('./kube-connection.ts');
  const { readTessera } = await import('./apply-tessera.ts');
  const conn = await connect(namespace);
  return { conn, plan: await readTessera<ComputePlan>(conn, 'computeplans', conn.namespace, name) };
}

/** The Jobs labelled as the plan's, in every namespace: only those `jobsByTask` recognises stand for tasks. */
export async function planJobs(conn: KubeConnection, plan: ComputePlan): Promise<TesseraJob[]> {
  const { listTessera } = await import('./apply-tessera.ts');
  return listTessera<TesseraJob>(conn, 'jobs', { labelSelector: `tessera.dev/plan-uid=${plan.metadata.uid ?? ''}` });
}

async function printTree(name: string, flags: ReadFlags): Promise<void> {
  const { planTree } = await import('./plan-view.ts');
  const { formatOutput } = await import('./output.ts');
  const { conn, plan } = await readPlan(name, flags.namespace);
  const jobs = await planJobs(conn, plan);
  // As `kubectl get -o json` of several objects: a List, the plan first, then its Jobs.
  console.log(formatOutput(flags.output, { apiVersion: 'v1', kind: 'List', items: [plan, ...jobs] }, () => planTree(plan, jobs)));
}

async function printLeaderboard(name: string, flags: ReadFlags): Promise<void> {
  const { leaderboard } = await import('./plan-view.ts');
  const { formatOutput } = await import('./output.ts');
  const { plan } = await readPlan(name, flags.namespace);
  const data = { plan: plan.metadata.name, namespace: plan.metadata.namespace, phase: plan.status?.phase, progress: plan.status?.progress, performances: plan.status?.performances ?? [] };
  console.log(formatOutput(flags.output, data, () => leaderboard(plan)));
}

async function printTrials(name: string, flags: ReadFlags): Promise<void> {
  const { trialsTable, rankedTrials } = await import('./plan-view.ts');
  const { formatOutput } = await import('./output.ts');
  const { plan } = await readPlan(name, flags.namespace);
  const search = plan.spec.strategy?.search;
  const data = {
    plan: plan.metadata.name,
    namespace: plan.metadata.namespace,
    phase: plan.status?.phase,
    objective: search?.objective,
    bestTrial: plan.status?.search?.bestTrial,
    ended: plan.status?.conditions?.find((c) => c.type === 'SearchEnded'),
    trials: rankedTrials(plan),
  };
  console.log(formatOutput(flags.output, data, () => trialsTable(plan, new Date())));
}

/** Registers `tessera plan`. */
export function registerPlan(program: Command): void {
  const plan = program.command('plan').description('views of a ComputePlan');
  plan
    .command('tree')
    .description("the plan's tasks in dependency order, with the phase of each (-o json|yaml: the plan and its Jobs)")
    .argument('<name>', 'the ComputePlan')
    .option('-n, --namespace <ns>', "the plan's namespace")
    .addOption(outputOption())
    .action(printTree);
  plan
    .command('leaderboard')
    .description("the scores of the plan's test tasks, best first")
    .argument('<name>', 'the ComputePlan')
    .option('-n, --namespace <ns>', "the plan's namespace")
    .addOption(outputOption())
    .action(printLeaderboard);
  plan
    .command('trials')
    .description("a search plan's trials, best first: state, parameters, objective, duration (-o json|yaml: the trials as the plan records them)")
    .argument('<name>', 'the ComputePlan')
    .option('-n, --namespace <ns>', "the plan's namespace")
    .addOption(outputOption())
    .action(printTrials);
}
