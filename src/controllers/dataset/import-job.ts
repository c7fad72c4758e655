import { createHash } from 'node:crypto';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';

// Datasets whose files live elsewhere (a URL) are imported by a Tessera Job the Dataset owns: the
// mover image downloads the source into the `data` output and the push sidecar stores it. The
// operator never fetches user URLs itself (a pod cannot reach what the operator alone can).

/** The output an import Job writes the Dataset's files to. */
export const importOutput = 'data';

/** The Job that imports the current source: its name changes when the source does. */
export function importJobName(dataset: Readonly<Dataset>): string {
  const hash = createHash('sha256').update(JSON.stringify(dataset.spec.source)).digest('hex').slice(0, 8);
  const stem = dataset.metadata.name.slice(0, 63 - '-import-'.length - hash.length).replace(/[-.]+$/, '');
  return `${stem}-import-${hash}`;
}

/** The import Job for a URL source. Pure. */
export function desiredImportJob(dataset: Readonly<Dataset>, url: string, moverImage: string): TesseraJob {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'Job',
    metadata: {
      name: importJobName(dataset),
      namespace: dataset.metadata.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'tessera', 'app.kubernetes.io/component': 'dataset-import', 'tessera.dev/dataset': dataset.metadata.name },
      ownerReferences: [
        { apiVersion: dataset.apiVersion, kind: dataset.kind, name: dataset.metadata.name, uid: dataset.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
    },
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
