import type { Algo, AlgoStatus } from '../../api/algo.ts';
import { forObjects, type ControllerDefinition } from '../../runtime/controller-builder.ts';
import type { ManifestCache } from '../../storage/manifest-cache.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import type { CommonParts } from '../shared/controller-parts.ts';
import { statusWriter } from '../shared/tessera-writes.ts';
import { reconcileAlgo } from './reconcile.ts';

// The Algo controller: an Algo is queued when it changes; nothing else decides its status.

/** What the Algo controller is built from. */
export interface AlgoControllerParts extends CommonParts {
  fileSets: { store: BlobStore; manifests: Pick<ManifestCache, 'check'> } | undefined;
}

/** The Algo controller, as it declares itself. */
export function algoController(parts: AlgoControllerParts): ControllerDefinition {
  const { caches, fileSets } = parts;
  const deps = {
    algos: caches.algos,
    namespaceUid: parts.namespaceUid,
    store: fileSets?.store,
    manifests: fileSets?.manifests,
    writeStatus: statusWriter<Algo, AlgoStatus>(parts.clients.custom, 'algos'),
    events: parts.events,
    clock: parts.clock,
  };
  return { name: 'algo', reconcile: (key, log) => reconcileAlgo(key, log, deps), watches: [forObjects(caches.algos)] };
}
