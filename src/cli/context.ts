import * as k8s from '@kubernetes/client-node';

// What the user-facing commands connect to: the cluster through the kubeconfig, as kubectl does. They
// hold no object-store keys: file sets move through the workstation API on presigned URLs.

/** The kubeconfig kubectl would use, and the namespace: the flag, else the context's, else default. */
export function kubeContext(namespace: string | undefined): { kc: k8s.KubeConfig; namespace: string } {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return { kc, namespace: namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default' };
}
