import type * as k8s from '@kubernetes/client-node';

// The key work queues hold for a namespaced object, `namespace/name`, as client-go's
// MetaNamespaceKeyFunc writes it (a cluster-scoped object's key is its name).

/** A namespaced object's identity within its kind. */
export interface ObjectKey {
  namespace: string;
  name: string;
}

/** The queue key of `obj`. */
export function keyOf(obj: Readonly<k8s.KubernetesObject>): string {
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

/** The namespace and name a queue key stands for. */
export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
