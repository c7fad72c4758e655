import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { transferClient } from '../../src/transfer/client.ts';
import { pullRun } from '../../src/transfer/pull.ts';
import { pushRun } from '../../src/transfer/push.ts';
import { kube } from './kube.ts';
import { podToken } from './pod-runner.ts';

// Plays the kubelet for the file-set containers of every Tessera pod in some namespaces: kwok runs
// no containers, so for each new pod this pulls its inputs, lets the test write what "main" would
// write, and pushes its outputs once kwok reports main exited. It runs the mover's own code
// (pullRun, pushRun) against the real transfer API and MinIO, in this process, because a plan has
// too many pods for a process each.

/** What the test's stand-in for the main container writes into a pod's outputs. */
export type MainWrites = (pod: Readonly<k8s.V1Pod>, root: string) => Promise<void> | void;

/** A running simulator. */
export interface MoverSim {
  /** Pods whose mover ran to the end, and those whose mover failed (with why). */
  readonly done: ReadonlySet<string>;
  readonly failures: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

function hasMover(pod: Readonly<k8s.V1Pod>): boolean {
  return (pod.spec?.initContainers ?? []).some((c) => c.name === 'pull');
}

function isTerminal(pod: Readonly<k8s.V1Pod>): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

async function runMover(pod: Readonly<k8s.V1Pod>, transferUrl: string, write: MainWrites): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tessera-sim-'));
  try {
    const tokenFile = join(root, '.token');
    await writeFile(tokenFile, await podToken(pod), { mode: 0o600 });
    const client = transferClient({ server: transferUrl, tokenFile });
    const plan = await pullRun(client, root);
    for (const output of plan.outputs) await mkdir(join(root, 'outputs', output), { recursive: true });
    await write(pod, root);
    if (plan.outputs.length > 0 || (pod.spec?.initContainers ?? []).some((c) => c.name === 'push')) await pushRun(client, root, { concurrency: 4 });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Starts simulating the movers of pods in `namespaces` (polling every 200 ms). Each pod is handled
 * once; pods that end without a mover run (canceled, deleted) are skipped.
 */
export function startMoverSim(opts: { namespaces: readonly string[]; transferUrl: string; write: MainWrites; concurrency?: number }): MoverSim {
  const { core } = kube();
  const seen = new Set<string>();
  const done = new Set<string>();
  const failures = new Map<string, string>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const handle = (pod: k8s.V1Pod): void => {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    seen.add(key);
    const work = runMover(pod, opts.transferUrl, opts.write)
      .then(() => void done.add(key))
      .catch((error: unknown) => void failures.set(key, error instanceof Error ? error.message : String(error)))
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  };
  const unseen = async (namespace: string): Promise<k8s.V1Pod[]> => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/managed-by=tessera' }).catch(() => ({ items: [] as k8s.V1Pod[] }));
    return pods.items.filter((p) => hasMover(p) && !isTerminal(p) && !p.metadata?.deletionTimestamp && !seen.has(`${p.metadata?.namespace}/${p.metadata?.name}`));
  };
  const poll = async (): Promise<void> => {
    while (!stopped) {
      const fresh = (await Promise.all(opts.namespaces.map(unseen))).flat();
      for (const pod of fresh.slice(0, Math.max(0, (opts.concurrency ?? 16) - inFlight.size))) handle(pod);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const polling = poll();
  return {
    done,
    failures,
    async stop() {
      stopped = true;
      await polling;
      await Promise.allSettled([...inFlight]);
    },
  };
}
