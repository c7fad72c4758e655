import { describe, expect, it } from 'vitest';
import type { KueueWorkload } from './kueue.ts';
import { sharedWorkloadReader } from './kueue-workloads.ts';

const workload = (uid: string, message: string): KueueWorkload & { metadata: { labels: Record<string, string> } } => ({
  metadata: { name: `job-${uid}`, namespace: 'org-a', labels: { 'kueue.x-k8s.io/job-uid': uid } },
  status: { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message }] },
});

function fakeList(items: () => KueueWorkload[]): { list: (namespace: string) => Promise<KueueWorkload[]>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    list: (namespace) => {
      calls.push(namespace);
      return Promise.resolve(items());
    },
  };
}

describe('sharedWorkloadReader', () => {
  it('answers every run of a namespace from one list while it is fresh, keeping only name and conditions', async () => {
    const api = fakeList(() => [workload('a', 'no quota'), workload('b', 'no quota')]);
    let now = 0;
    const read = sharedWorkloadReader(api.list, 2000, () => now);
    const [a, b, none] = await Promise.all([read('org-a', 'a'), read('org-a', 'b'), read('org-a', 'c')]);
    expect(a).toEqual({ metadata: { name: 'job-a', namespace: 'org-a' }, status: { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message: 'no quota' }] } });
    expect(b?.metadata?.name).toBe('job-b');
    expect(none).toBeUndefined();
    now = 1999;
    await read('org-a', 'a');
    expect(api.calls).toEqual(['org-a']);
  });

  it('lists again once the list is older than maxAgeMs, and each namespace on its own', async () => {
    let message = 'no quota';
    const api = fakeList(() => [workload('a', message)]);
    let now = 0;
    const read = sharedWorkloadReader(api.list, 2000, () => now);
    await read('org-a', 'a');
    await read('org-b', 'a');
    message = 'admitted';
    now = 2000;
    expect((await read('org-a', 'a'))?.status?.conditions?.[0]?.message).toBe('admitted');
    expect(api.calls).toEqual(['org-a', 'org-b', 'org-a']);
  });

  it('does not keep a failed list: the next read lists again', async () => {
    let fail = true;
    const calls: string[] = [];
    const read = sharedWorkloadReader((namespace) => {
      calls.push(namespace);
      return fail ? Promise.reject(new Error('apiserver down')) : Promise.resolve([workload('a', 'no quota')]);
    }, 2000, () => 0);
    await expect(read('org-a', 'a')).rejects.toThrow('apiserver down');
    fail = false;
    expect((await read('org-a', 'a'))?.metadata?.name).toBe('job-a');
    expect(calls).toEqual(['org-a', 'org-a']);
  });
});
