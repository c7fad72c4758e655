import * as k8s from '@kubernetes/client-node';
import { isAlreadyExists, isNotFound } from '../../runtime/kube-client.ts';

// Writes to Tessera's own kinds through the custom-objects API: status through the status
// subresource at the cached resourceVersion (a 409 means the cache was stale: re-read and retry),
// objects created by name (AlreadyExists means a repeat after a crash, not a second object).

/** The custom-objects API's group and version of every Tessera kind. */
export const tesseraGroup = { group: 'tessera.dev', version: 'v1alpha1' } as const;

/** A JSON merge patch (RFC 7386): lists replace whole, null deletes a field. */
export const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Awaits a write to an object that may already be gone: gone is what the write wanted anyway. */
export async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

type TesseraObject = k8s.KubernetesObject & { metadata: { name: string; namespace?: string } };

/** Replaces the status of a Tessera object of kind `plural` at its cached resourceVersion. */
export function statusWriter<T extends TesseraObject, S>(custom: k8s.CustomObjectsApi, plural: string): (obj: Readonly<T>, status: S) => Promise<void> {
  return async (obj, status) => {
    await custom.replaceNamespacedCustomObjectStatus({
      group: 'tessera.dev',
      version: 'v1alpha1',
      plural,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name,
      body: { ...obj, status },
    });
  };
}

/** Creates a Tessera object of kind `plural`; false when one of that name already exists. */
export function objectCreator<T extends TesseraObject>(custom: k8s.CustomObjectsApi, plural: string): (obj: T) => Promise<boolean> {
  return async (obj) => {
    try {
      await custom.createNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural, namespace: obj.metadata.namespace ?? '', body: obj });
      return true;
    } catch (error) {
      if (isAlreadyExists(error)) return false;
      throw new Error(`creating ${plural} ${obj.metadata.namespace}/${obj.metadata.name}`, { cause: error });
    }
  };
}

/** Creates a Tessera object of kind `plural`; the new object's uid, or undefined when one of that name already exists. */
export function uidCreator<T extends TesseraObject>(custom: k8s.CustomObjectsApi, plural: string): (obj: T) => Promise<string | undefined> {
  return async (obj) => {
    try {
      const created = (await custom.createNamespacedCustomObject({ group: 'tessera.dev', version: 'v1alpha1', plural, namespace: obj.metadata.namespace ?? '', body: obj })) as TesseraObject;
      return created.metadata.uid ?? '';
    } catch (error) {
      if (isAlreadyExists(error)) return undefined;
      throw new Error(`creating ${plural} ${obj.metadata.namespace}/${obj.metadata.name}`, { cause: error });
    }
  };
}

