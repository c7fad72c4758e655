import type { CatalogRow, JobDetail, Overview, PlanDetail } from '../protocol.ts';
import type { ClusterReads } from './cluster-reads.ts';
import { planDetail, planSummary } from './plan-model.ts';
import { algoRow, datasetRow, jobDetail, overview } from './rows.ts';
import { isForbidden, isNotFound, type Scope } from './visible.ts';

// The JSON the page reads, one function per endpoint: reads as the user, then the pure models.

/** What an endpoint answers: a body, or "not visible" (absent or refused: the page cannot tell which). */
export type Answer<T> = { ok: true; body: T } | { ok: false; status: 404; message: string };

async function visibleOrNot<T>(what: string, read: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, body: await read() };
  } catch (error) {
    if (isForbidden(error) || isNotFound(error)) return { ok: false, status: 404, message: `${what} is not visible to you` };
    throw error;
  }
}

/** The dashboard's endpoints over one user's reads. */
export function dashboardApi(reads: ClusterReads, scope: Scope): {
  overview(): Promise<Overview>;
  plan(namespace: string, name: string): Promise<Answer<PlanDetail>>;
  job(namespace: string, name: string): Promise<Answer<JobDetail>>;
  catalog(): Promise<CatalogRow[]>;
} {
  return {
    async overview() {
      const [plans, jobs, warnings] = await Promise.all([reads.plans(), reads.jobs(), reads.warnings()]);
      // Warning events are a courtesy: a namespace whose plans and Jobs the user reads is not hidden for them.
      const hidden = [...new Set([...scope.refused, ...plans.hidden, ...jobs.hidden])].sort();
      const namespaces = scope.namespaces.filter((n) => !hidden.includes(n));
      return overview({ namespaces, hidden, plans: plans.items.map(planSummary), jobs: jobs.items, warnings: warnings.items });
    },
    plan: (namespace, name) => visibleOrNot(`ComputePlan ${namespace}/${name}`, async () => {
      const plan = await reads.plan(namespace, name);
      // A plan's Jobs in namespaces the user cannot list stay out: their tasks show as the plan sees them.
      const jobs = await reads.jobs(`tessera.dev/plan-uid=${plan.metadata.uid ?? ''}`);
      return planDetail(plan, jobs.items);
    }),
    job: (namespace, name) => visibleOrNot(`Job ${namespace}/${name}`, async () => {
      const job = await reads.job(namespace, name);
      const events = await reads.eventsOf(namespace, job.metadata.uid ?? '').catch((error: unknown) => {
        if (isForbidden(error)) return [];
        throw error;
      });
      return jobDetail(job, events);
    }),
    async catalog() {
      const [datasets, algos] = await Promise.all([reads.datasets(), reads.algos()]);
      return [...datasets.items.map(datasetRow), ...algos.items.map(algoRow)];
    },
  };
}
