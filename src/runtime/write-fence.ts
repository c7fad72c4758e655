// The fence between a replica and the cluster: only the leader writes, and only while no other
// replica could have taken the lease. Checked right before every mutating request leaves the process
// (kube-client.ts) and before every deletion from the object store (operator/gc.ts), so work that
// was queued, backing off or paused (SIGSTOP, a long GC pause) cannot write after leadership moved.

/** Whether this process may write now. */
export interface WriteFence {
  mayWrite(): boolean;
}

/** A fence that is always open: a single replica run with --leader-elect=false. */
export const openFence: WriteFence = { mayWrite: () => true };

/** A write stopped at the fence: the lease could have passed to another replica. Retry later. */
export class FencedWriteError extends Error {
  constructor(what: string) {
    super(`${what} refused: this replica does not hold a fresh lease (not the leader, or the API server has not confirmed the lease within the renew deadline)`);
    this.name = 'FencedWriteError';
  }
}

/** Throws FencedWriteError unless the fence is open. */
export function assertMayWrite(fence: WriteFence, what: string): void {
  if (!fence.mayWrite()) throw new FencedWriteError(what);
}
