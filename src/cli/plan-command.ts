import * as k8s from '@kubernetes/client-node';
import type { Command } from 'commander';
import type { ComputePlan } from '../api/computeplan.ts';
import type { TesseraJob } from '../api/job.ts';

// `tessera plan tree|leaderboard`: read-only views of a ComputePlan for people.

async function readPlan(name: string, namespace: string | undefined): Promise<{ kc: k8s.KubeConfig; plan: ComputePlan }> {
  const { kubeContext } = await import('./context.ts');
  const { readTessera } = await import('./apply-tessera.ts');
  const context = kubeContext(namespace);
  return { kc: context.kc, plan: await readTessera<ComputePlan>(context.kc, 'computeplans', context.namespace, name) };
}

async function planJobs(kc: k8s.KubeConfig, plan: ComputePlan): Promise<TesseraJob[]> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const list = (await custom.listClusterCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural: 'jobs', labelSelector: `tessera.dev/plan-uid=${plan.metadata.uid ?? ''}` })) as { items: TesseraJob[] };
  return list.items;
}

/** Registers `tessera plan`. */
export function registerPlan(program: Command): void {
  const plan = program.command('plan').description('views of a ComputePlan');
  plan
    .command('tree')
    .description("the plan's tasks in dependency order, with the phase of each")
    .argument('<name>', 'the ComputePlan')
    .option('-n, --namespace <ns>', "the plan's namespace")
    .action(async (name: string, flags: { namespace?: string }) => {
      const { planTree } = await import('./plan-view.ts');
      const { kc, plan: read } = await readPlan(name, flags.namespace);
      console.log(planTree(read, await planJobs(kc, read)));
    });
  plan
    .command('leaderboard')
    .description("the scores of the plan's test tasks, best first")
    .argument('<name>', 'the ComputePlan')
    .option('-n, --namespace <ns>', "the plan's namespace")
    .action(async (name: string, flags: { namespace?: string }) => {
      const { leaderboard } = await import('./plan-view.ts');
      console.log(leaderboard((await readPlan(name, flags.namespace)).plan));
    });
}
