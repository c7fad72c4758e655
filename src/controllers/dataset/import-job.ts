import { createHash } from 'node:crypto';
import { groupVersion } from '../../api/common.ts';
import type { Dataset, DatasetStatus } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import { indexComponent } from '../../transfer/server/authorize.ts';

// Datasets whose files live elsewhere are brought in by a Tessera Job the Dataset owns: for a URL,
// the mover image downloads it into the `data` output and the push sidecar stores it (the operator
// never fetches user URLs itself); for a landing-zone prefix, the mover hashes the objects where
// they are and the operator stores them in place.

/** The label an import or index Job names its Dataset in: how its changes reach the Dataset. */
export const datasetLabel = 'tessera.dev/dataset';

/** The output an import Job writes the Dataset's files to. */
export const importOutput = 'data';

/** The Job that imports the current source: its name changes when the source does. */
export function importJobName(dataset: Readonly<Dataset>): string {
  const hash = createHash('sha256').update(JSON.stringify(dataset.spec.source)).digest('hex').slice(0, 8);
  const stem = dataset.metadata.name.slice(0, 63 - '-import-'.length - hash.length).replace(/[-.]+$/, '');
  return `${stem}-import-${hash}`;
}

function jobMetadata(dataset: Readonly<Dataset>, component: string): TesseraJob['metadata'] {
  return {
    name: importJobName(dataset),
    namespace: dataset.metadata.namespace,
    labels: { 'app.kubernetes.io/managed-by': 'tessera', 'app.kubernetes.io/component': component, [datasetLabel]: dataset.metadata.name },
    ownerReferences: [
      { apiVersion: dataset.apiVersion, kind: dataset.kind, name: dataset.metadata.name, uid: dataset.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
    ],
  };
}

/**
 * The index Job for a prefix source: its main container is the mover, hashing the landing zone's
 * objects; the operator stores them in place and records the `data` output. Pure.
 */
export function desiredIndexJob(dataset: Readonly<Dataset>, moverImage: string): TesseraJob {
  return {
    apiVersion: groupVersion,
    kind: 'Job',
    metadata: jobMetadata(dataset, indexComponent),
    spec: { image: moverImage, args: ['transfer', 'index'], resources: { cpu: '500m', memory: '512Mi' }, retries: 2, timeoutSeconds: 3600 },
  };
}

/** The import Job for a URL source. Pure. */
export function desiredImportJob(dataset: Readonly<Dataset>, url: string, moverImage: string): TesseraJob {
  return {
    apiVersion: groupVersion,
    kind: 'Job',
    metadata: jobMetadata(dataset, 'dataset-import'),
    spec: {
      image: moverImage,
      args: ['dataset', 'import', '--url', url, '--out', `/tessera/outputs/${importOutput}`],
      outputs: [{ name: importOutput }],
      resources: { cpu: '500m', memory: '512Mi' },
      retries: 2,
      timeoutSeconds: 3600,
    },
  };
}

/** The index Job a Dataset's status names: the one the operator created, by uid. */
export type IndexJobRecord = NonNullable<DatasetStatus['indexJob']>;

/** The status with the index Job just created recorded in it (kept as it was when none was). Pure. */
export function withIndexJob(status: DatasetStatus, created: IndexJobRecord | undefined): DatasetStatus {
  return created ? { ...status, indexJob: created } : status;
}
