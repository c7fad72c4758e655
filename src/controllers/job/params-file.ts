import type * as k8s from '@kubernetes/client-node';
import type { EnvVar } from '../../api/common.ts';
import { paramsJsonEnv } from '../../api/search.ts';
import { podPaths } from '../../transfer/protocol.ts';

// A run's parameters as a file, /tessera/params.json, besides the TESSERA_PARAMS variable that
// holds the same JSON: what Rafiki's and SubstraFL's users read. The kubelet writes it from a pod
// annotation through a downwardAPI volume, so no container of ours has to, and it exists before the
// main container starts. Pure.

/** The pod annotation the file's content travels in. */
export const paramsAnnotation = 'tessera.dev/params';
/** Where the main container finds the file. */
export const paramsFilePath = `${podPaths.root}/params.json`;
const paramsVolume = 'tessera-params';
const fileName = 'params.json';

/** What the file adds to a run's pod: the annotation, the volume and main's mount. */
export interface ParamsFileParts {
  annotations: Record<string, string>;
  volume: k8s.V1Volume;
  mount: k8s.V1VolumeMount;
}

/** The parts that write TESSERA_PARAMS's JSON to /tessera/params.json; undefined without it. */
export function paramsFileParts(env: readonly EnvVar[] | undefined): ParamsFileParts | undefined {
  const json = env?.find((e) => e.name === paramsJsonEnv)?.value;
  if (json === undefined) return undefined;
  return {
    annotations: { [paramsAnnotation]: json },
    volume: {
      name: paramsVolume,
      downwardAPI: { items: [{ path: fileName, fieldRef: { fieldPath: `metadata.annotations['${paramsAnnotation}']` } }] },
    },
    // subPath: one file beside the work directory's mounts, not a directory over /tessera.
    mount: { name: paramsVolume, mountPath: paramsFilePath, subPath: fileName, readOnly: true },
  };
}
