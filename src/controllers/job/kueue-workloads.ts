import { workloadJobUidLabel, type KueueWorkload } from './kueue.ts';
import type { WorkloadReader } from './queue-observe.ts';

// One read of Kueue's Workloads serves every queued run of a namespace. A run waiting for Kueue is
// reread every few seconds (queue-observe.ts); a LIST per run, each filtered by a label the API
// server does not index, made a thousand queued runs cost hundreds of scans of a thousand Workloads
// a second. Instead each namespace's Workloads are listed at most once per `maxAgeMs`, and every run
// reads its own out of that list. Only what the status needs is kept of each.

/** Every Workload of a namespace that stands for a batch Job; [] when there is none or no Kueue. */
export type NamespaceWorkloads = (namespace: string) => Promise<KueueWorkload[]>;

/** How stale a Workload a queued run reads may be: well under the quickest recheck (3 s). */
export const workloadListMaxAgeMs = 2000;

interface Listing {
  at: number;
  byJobUid: Promise<Map<string, KueueWorkload>>;
}

/** What the status reads of a Workload (kueue.ts): its name and its conditions. */
function trimmed(workload: KueueWorkload & { metadata?: { labels?: Record<string, string> } }): [string, KueueWorkload] {
  const { name, namespace } = workload.metadata ?? {};
  return [workload.metadata?.labels?.[workloadJobUidLabel] ?? '', { metadata: { name, namespace }, status: { conditions: workload.status?.conditions } }];
}

/**
 * A WorkloadReader that lists each namespace's Workloads once per `maxAgeMs` and answers every run
 * of the namespace from that one list; runs that ask while a list is on its way wait for it. A
 * failed list is not kept: the next read lists again.
 */
export function sharedWorkloadReader(list: NamespaceWorkloads, maxAgeMs = workloadListMaxAgeMs, now: () => number = Date.now): WorkloadReader {
  const listings = new Map<string, Listing>();
  const forget = (namespace: string, listing: Listing): void => {
    if (listings.get(namespace) === listing) listings.delete(namespace);
  };
  return async (namespace, batchJobUid) => {
    let listing = listings.get(namespace);
    if (!listing || now() - listing.at >= maxAgeMs) {
      // Namespaces no run asked about for a while are dropped, so the map holds only live ones.
      for (const [ns, old] of listings) if (now() - old.at >= 10 * maxAgeMs) listings.delete(ns);
      const fresh: Listing = { at: now(), byJobUid: list(namespace).then((items) => new Map(items.map(trimmed))) };
      fresh.byJobUid.catch(() => forget(namespace, fresh));
      listings.set(namespace, fresh);
      listing = fresh;
    }
    return (await listing.byJobUid).get(batchJobUid);
  };
}
