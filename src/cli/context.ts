import * as k8s from '@kubernetes/client-node';
import { s3BlobStore, type S3BlobStore } from '../storage/object-store.ts';

// What the user-facing commands connect to: the cluster through the kubeconfig (as kubectl does),
// and the object store through the platform's credentials in the environment (as the operator does).

/** The object store from TESSERA_S3_* (the variables `scripts/cluster.sh env` prints). */
export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): S3BlobStore {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: the object store's endpoint and keys come from TESSERA_S3_ENDPOINT, TESSERA_S3_ACCESS_KEY and TESSERA_S3_SECRET_KEY`);
    return value;
  };
  return s3BlobStore({
    endpoint: need('TESSERA_S3_ENDPOINT'),
    region: env.TESSERA_S3_REGION ?? 'us-east-1',
    bucket: env.TESSERA_S3_BUCKET ?? 'tessera',
    accessKeyId: need('TESSERA_S3_ACCESS_KEY'),
    secretAccessKey: need('TESSERA_S3_SECRET_KEY'),
  });
}

/** The kubeconfig kubectl would use, and the namespace: the flag, else the context's, else default. */
export function kubeContext(namespace: string | undefined): { kc: k8s.KubeConfig; namespace: string } {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return { kc, namespace: namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default' };
}
