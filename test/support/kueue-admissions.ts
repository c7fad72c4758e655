import * as k8s from '@kubernetes/client-node';
import { kube } from './kube.ts';

// Every admission Kueue makes in a namespace, seen through a watch on its Workloads: a Workload's
// QuotaReserved condition turning True is one admission, so a run admitted twice (preempted, or a
// Workload made again for the same batch Job) shows up as two, whatever happens to the Workload later.

interface Workload {
  metadata?: { name?: string; ownerReferences?: Array<{ kind?: string; name?: string }> };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** What the watch saw: admissions per Workload, and the batch Jobs that own each Workload. */
export interface AdmissionLog {
  /** Workload name → times QuotaReserved turned True. */
  admissions: Map<string, number>;
  /** Workload name → the batch Jobs (or pods) it stands for. */
  owners: Map<string, string[]>;
  stop(): void;
}

const reserved = (workload: Workload): boolean => workload.status?.conditions?.some((c) => c.type === 'QuotaReserved' && c.status === 'True') ?? false;

/** Starts watching the Workloads of `namespace`; resolves once the watch is open. */
export async function watchAdmissions(namespace: string): Promise<AdmissionLog> {
  const admissions = new Map<string, number>();
  const owners = new Map<string, string[]>();
  const wasReserved = new Map<string, boolean>();
  const watch = new k8s.Watch(kube().config);
  const controller = await watch.watch(
    `/apis/kueue.x-k8s.io/v1beta2/namespaces/${namespace}/workloads`,
    {},
    (type: string, workload: Workload) => {
      const name = workload.metadata?.name;
      if (!name || type === 'DELETED') return;
      owners.set(name, (workload.metadata?.ownerReferences ?? []).map((o) => `${o.kind}/${o.name}`));
      const now = reserved(workload);
      if (now && !wasReserved.get(name)) admissions.set(name, (admissions.get(name) ?? 0) + 1);
      wasReserved.set(name, now);
    },
    (error: unknown) => {
      if (error) console.error(`workload watch in ${namespace} ended: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
    },
  );
  return { admissions, owners, stop: () => controller.abort() };
}
