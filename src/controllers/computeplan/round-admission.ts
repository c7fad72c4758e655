import { createHash } from 'node:crypto';
import { RoundAdmission, federatedStrategy, type ComputePlan, type Task } from '../../api/computeplan.ts';
import { kueueGroupKeys } from '../job/kueue-group.ts';
import { strategyRole } from './expand.ts';
import { taskNamespace } from './readiness.ts';

// A round admitted whole (spec.roundAdmission Whole): the round's trainers in one namespace form one
// Kueue pod group, so Kueue admits all of them or none (job/kueue-group.ts says how). A Kueue
// Workload lives in one namespace and is admitted by that namespace's queue: trainers in different
// namespaces (organizations, with their own quotas) form one group per namespace. Pure.

/** Kueue's group of a round's trainers in one namespace, as the task's Job carries it. */
export interface RoundGroup {
  name: string;
  totalCount: number;
}

/**
 * The group's name: the plan, the round and a hash of the plan's uid and the namespace, within 63
 * characters (Kueue names the group's Workload after it and puts it in a label).
 */
export function roundGroupName(plan: Readonly<ComputePlan>, round: number, namespace: string): string {
  const hash = createHash('sha256').update(`${plan.metadata.uid ?? ''}/${round}/${namespace}`).digest('hex').slice(0, 8);
  const suffix = `-r${round}-${hash}`;
  const stem = plan.metadata.name.slice(0, 63 - suffix.length).replace(/[-.]+$/, '');
  return `${stem}${suffix}`;
}

/**
 * The group `task` joins, if its round is admitted whole: a train task of the strategy, on the
 * plan's first try (a task re-run by a retry is admitted on its own: only it runs again, so its
 * round's group would never be complete).
 */
export function roundGroup(plan: Readonly<ComputePlan>, task: Readonly<Task>, retryToken: string): RoundGroup | undefined {
  if (plan.spec.roundAdmission !== RoundAdmission.Whole || !plan.spec.queueName || retryToken !== '') return undefined;
  const strategy = federatedStrategy(plan.spec.strategy);
  if (!strategy || task.round === undefined || strategyRole(plan.spec, task.name) !== 'train') return undefined;
  const planNamespace = plan.metadata.namespace ?? '';
  const namespace = taskNamespace(task, planNamespace);
  const totalCount = strategy.trainers.filter((t) => t.namespace === namespace).length;
  return { name: roundGroupName(plan, task.round, namespace), totalCount };
}

/** The label and annotation that put a task's Job in its round's group. */
export function roundGroupMetadata(group: RoundGroup | undefined): { labels: Record<string, string>; annotations: Record<string, string> } | undefined {
  if (!group) return undefined;
  return { labels: { [kueueGroupKeys.name]: group.name }, annotations: { [kueueGroupKeys.totalCount]: String(group.totalCount) } };
}
