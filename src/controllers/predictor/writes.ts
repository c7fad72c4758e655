import type * as k8s from '@kubernetes/client-node';
import type { Predictor, PredictorStatus } from '../../api/predictor.ts';
import { isAlreadyExists } from '../../runtime/kube-client.ts';
import { refusalMessage } from '../shared/refusal.ts';
import { statusWriter } from '../shared/tessera-writes.ts';

// The Predictor controller's writes to the API: the thin I/O edge around desired.ts and status.ts.
// Children are created by their deterministic name (AlreadyExists is a repeat, not a second one)
// and replaced whole at the cached resourceVersion (a 409 means the cache was stale: re-read).

/** What writing a child came to: done, or refused for good by the API server, with its message. */
export type ChildWrite = 'done' | { refused: string };

/** The writes the Predictor reconciler makes. */
export interface PredictorWrites {
  applyDeployment(desired: k8s.V1Deployment, current: Readonly<k8s.V1Deployment> | undefined): Promise<ChildWrite>;
  applyService(desired: k8s.V1Service, current: Readonly<k8s.V1Service> | undefined): Promise<ChildWrite>;
  writeStatus(predictor: Readonly<Predictor>, status: PredictorStatus): Promise<void>;
}

/** The clients the writes go through. */
export interface PredictorWriteClients {
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
}

async function refusedOr(call: () => Promise<unknown>, what: string): Promise<ChildWrite> {
  try {
    await call();
    return 'done';
  } catch (error) {
    if (isAlreadyExists(error)) return 'done';
    const refused = refusalMessage(error);
    if (refused !== undefined) return { refused };
    throw new Error(what, { cause: error });
  }
}

function withVersion<T extends { metadata?: k8s.V1ObjectMeta }>(desired: T, current: Readonly<{ metadata?: k8s.V1ObjectMeta }>): T {
  return { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } };
}

/** The writes, through the API server. */
export function apiPredictorWrites(clients: PredictorWriteClients): PredictorWrites {
  return {
    applyDeployment(desired, current) {
      const namespace = desired.metadata?.namespace ?? '';
      const name = desired.metadata?.name ?? '';
      const call = current
        ? () => clients.apps.replaceNamespacedDeployment({ namespace, name, body: withVersion(desired, current) })
        : () => clients.apps.createNamespacedDeployment({ namespace, body: desired });
      return refusedOr(call, `writing Deployment ${namespace}/${name}`);
    },
    applyService(desired, current) {
      const namespace = desired.metadata?.namespace ?? '';
      const name = desired.metadata?.name ?? '';
      // A Service's clusterIP is the API server's to keep: a replace carries the one it chose.
      const call = current
        ? () => clients.core.replaceNamespacedService({ namespace, name, body: { ...withVersion(desired, current), spec: { ...desired.spec, clusterIP: current.spec?.clusterIP, clusterIPs: current.spec?.clusterIPs } } })
        : () => clients.core.createNamespacedService({ namespace, body: desired });
      return refusedOr(call, `writing Service ${namespace}/${name}`);
    },
    writeStatus: statusWriter<Predictor, PredictorStatus>(clients.custom, 'predictors'),
  };
}
