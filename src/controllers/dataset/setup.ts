import type { Dataset, DatasetStatus } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import { cacheIndex, forObjects, watch, type ControllerDefinition } from '../../runtime/controller-builder.ts';
import { keyOf } from '../../runtime/object-key.ts';
import type { BlobStore } from '../../storage/object-store.ts';
import type { ManifestCache } from '../../storage/manifest-cache.ts';
import type { CommonParts } from '../shared/controller-parts.ts';
import { statusWriter, uidCreator } from '../shared/tessera-writes.ts';
import { namedNamespaces } from './authorizations.ts';
import { datasetLabel } from './import-job.ts';
import { reconcileDataset } from './reconcile.ts';

// The Dataset controller: a Dataset is queued when it changes, when its import or index Job changes
// (the Job names it in a label), and when a namespace its permissions name appears, goes or comes
// back (its authorizations record which namespace, by uid, they authorize).

/** What the Dataset controller is built from. */
export interface DatasetControllerParts extends CommonParts {
  fileSets: { store: BlobStore; manifests: Pick<ManifestCache, 'check'> } | undefined;
  config: { moverImage: string };
  /** The landing-zone bucket Datasets index prefixes of. */
  importBucket: string;
}

/** Index name on the Dataset cache: Datasets by the namespaces their permissions name. */
const namesNamespace = 'names-namespace';

/** The Dataset an import or index Job reports to. */
function datasetOfJob(job: Readonly<TesseraJob>): string[] {
  const dataset = job.metadata.labels?.[datasetLabel];
  return dataset ? [`${job.metadata.namespace ?? ''}/${dataset}`] : [];
}

/** The Dataset controller, as it declares itself. */
export function datasetController(parts: DatasetControllerParts): ControllerDefinition {
  const { caches } = parts;
  const deps = {
    datasets: caches.datasets,
    jobs: caches.jobs,
    namespaceUid: parts.namespaceUid,
    fileSets: parts.fileSets && { store: parts.fileSets.store, manifests: parts.fileSets.manifests },
    writeStatus: statusWriter<Dataset, DatasetStatus>(parts.clients.custom, 'datasets'),
    createJob: uidCreator<TesseraJob>(parts.clients.custom, 'jobs'),
    moverImage: parts.config.moverImage,
    importBucket: parts.importBucket,
    events: parts.events,
    clock: parts.clock,
  };
  return {
    name: 'dataset',
    reconcile: (key, log) => reconcileDataset(key, log, deps),
    indexes: [cacheIndex(caches.datasets, namesNamespace, namedNamespaces)],
    watches: [
      forObjects(caches.datasets),
      watch(caches.jobs, datasetOfJob),
      watch(caches.namespaces, (namespace) => caches.datasets.byIndex(namesNamespace, namespace.metadata?.name ?? '').map(keyOf)),
    ],
  };
}
