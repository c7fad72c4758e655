import type * as k8s from '@kubernetes/client-node';
import type { PushResult } from '../storage/file-sets.ts';

/** A directory pushed to the store and granted to the namespace of the object that will name it. */
export interface GrantedPush {
  kc: k8s.KubeConfig;
  namespace: string;
  result: PushResult;
}

/**
 * Uploads `dir` (only the blobs the store lacks, with a progress bar on a terminal), grants its file
 * set to the object's namespace, then hands it to `apply`, which writes the object naming it. The
 * grant comes first so the controller can read the file set as soon as the object appears.
 */
export async function pushGranted(dir: string, object: { name: string; namespace?: string }, apply: (push: GrantedPush) => Promise<void>): Promise<void> {
  const { grantAccess } = await import('../storage/access.ts');
  const { pushDirectory } = await import('../storage/file-sets.ts');
  const { storeFromEnv, kubeContext } = await import('./context.ts');
  const { pushProgress } = await import('./progress.ts');
  const { kc, namespace } = kubeContext(object.namespace);
  const store = storeFromEnv();
  try {
    await store.ensureBucket();
    const bar = pushProgress(`${namespace}/${object.name}`);
    const result = await pushDirectory({ store, dir, onProgress: (p) => bar.update(p) });
    bar.stop();
    await grantAccess(store, namespace, result.digest);
    await apply({ kc, namespace, result });
  } finally {
    store.close();
  }
}
