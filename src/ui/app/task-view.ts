/// <reference lib="dom" />
import type { JobDetail, PlanDetail } from '../protocol.ts';
import { badge, el, getJson, link, table } from './dom.ts';

// A task of a plan, and the Job that runs it: status, conditions with reasons, events, inputs and
// outputs by digest, metrics. A task without a Job shows why, as the plan recorded it.

function jobSection(job: JobDetail): HTMLElement {
  return el('section', { id: 'job' },
    el('h3', {}, `Job ${job.namespace}/${job.name} `, badge(job.phase)),
    el('p', { id: 'job-reason' }, job.reason ? `reason ${job.reason}` : '', job.message ? `: ${job.message}` : ''),
    el('p', {}, `attempts ${job.attempts ?? 0}`, job.startTime ? `, started ${job.startTime}` : '', job.completionTime ? `, completed ${job.completionTime}` : ''),
    table(['CONDITION', 'STATUS', 'REASON', 'MESSAGE'], job.conditions.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''])),
    el('h4', {}, 'Inputs'),
    table(['NAME', 'DIGEST', 'FROM'], job.inputs.map((i) => [i.name, i.digest ?? '', i.source ?? ''])),
    el('h4', {}, 'Outputs'),
    table(['NAME', 'DIGEST'], job.outputs.map((o) => [o.name, o.digest ?? ''])),
    el('h4', {}, 'Metrics'),
    table(['METRIC', 'VALUE'], Object.entries(job.metrics).map(([k, v]) => [k, v])),
    el('h4', {}, 'Events'),
    table(['TIME', 'REASON', 'MESSAGE', 'COUNT'], job.events.map((e) => [e.time, e.reason, e.message, e.count])));
}

/** Renders one Job. */
export async function renderJob(root: HTMLElement, namespace: string, name: string): Promise<void> {
  root.replaceChildren(jobSection(await getJson<JobDetail>(`/api/jobs/${namespace}/${name}`)));
}

/** Renders a task of a plan, with its Job when it has one. */
export async function renderTask(root: HTMLElement, route: { namespace: string; plan: string; task: string }): Promise<void> {
  const plan = await getJson<PlanDetail>(`/api/plans/${route.namespace}/${route.plan}`);
  const node = plan.nodes.find((n) => n.name === route.task);
  if (!node) throw new Error(`plan ${route.namespace}/${route.plan} has no task ${route.task}`);
  const job = node.job ? await getJson<JobDetail>(`/api/jobs/${node.job.namespace}/${node.job.name}`).catch(() => undefined) : undefined;
  root.replaceChildren(
    el('h2', {}, `Task ${node.name} of `, link(`/plan/${plan.namespace}/${plan.name}`, `${plan.namespace}/${plan.name}`), ' ', badge(node.phase)),
    el('p', { id: 'task-reason' }, `namespace ${node.namespace}`, node.round !== undefined ? `, round ${node.round}` : '', node.reason ? `, reason ${node.reason}` : '', node.message ? `: ${node.message}` : ''),
    job ? jobSection(job) : el('p', {}, node.job ? `its Job ${node.job.namespace}/${node.job.name} is not visible to you` : 'no Job runs this task'),
  );
}
