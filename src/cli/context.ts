import * as k8s from '@kubernetes/client-node';

// The dashboard's connection (src/ui/server/run.ts), which watches through client-node: the cluster
// through the kubeconfig, as kubectl does. The CLI's commands connect with kube-connection.ts, which
// does not load client-node for the common kubeconfigs.

/** The kubeconfig kubectl would use, and the namespace: the flag, else the context's, else default. */
export function kubeContext(namespace: string | undefined): { kc: k8s.KubeConfig; namespace: string } {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return { kc, namespace: namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default' };
}
