import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// Tessera's image as scripts/images/build.sh makes it: the top-level Dockerfile, tagged with the
// chart's appVersion, so the chart's default image is the one the real node holds.

const chartFile = new URL('../../charts/tessera/Chart.yaml', import.meta.url);
const imagesScript = fileURLToPath(new URL('../../scripts/images/build.sh', import.meta.url));

/** charts/tessera/Chart.yaml's appVersion: the image's tag. */
export const appVersion = String((parse(readFileSync(chartFile, 'utf8')) as { appVersion: unknown }).appVersion);

/** Tessera's image (Node 24 and the bundled command; entrypoint `node /app/tessera/tessera.mjs`). */
export const tesseraImage = `tessera/operator:${appVersion}`;

/** The same, fully qualified, as containerd names it. */
export const tesseraImageReference = `docker.io/${tesseraImage}`;

/** What the e2e tests read of the image buildah built from the Dockerfile (`build.sh inspect`). */
export interface BuiltImage {
  /** The config digest, `sha256:…`: the image's identity on any runtime it is loaded into. */
  id: string;
  user: string;
  entrypoint: string[];
  baseName: string;
  history: string[];
}

/** The image build.sh last built from the Dockerfile, from buildah's storage. */
export function builtImage(): BuiltImage {
  const inspect = JSON.parse(execFileSync('bash', [imagesScript, 'inspect'], { encoding: 'utf8' })) as {
    FromImageID: string;
    OCIv1: { config?: { User?: string; Entrypoint?: string[] }; history?: { created_by?: string }[] };
    ImageAnnotations?: Record<string, string>;
  };
  return {
    id: `sha256:${inspect.FromImageID}`,
    user: inspect.OCIv1.config?.User ?? '',
    entrypoint: inspect.OCIv1.config?.Entrypoint ?? [],
    baseName: inspect.ImageAnnotations?.['org.opencontainers.image.base.name'] ?? '',
    history: (inspect.OCIv1.history ?? []).map((h) => h.created_by ?? ''),
  };
}

/** The image the real node's containerd holds as tesseraImageReference: its manifest and config digests. */
export function loadedImage(): { manifest: string; config: string } {
  const runDir = process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster';
  const address = process.env.TESSERA_CONTAINERD_ADDRESS ?? `${runDir}/containerd/containerd.sock`;
  const ctr = (...args: string[]): string =>
    execFileSync('ctr', ['--address', address, '--connect-timeout', '5s', '-n', 'k8s.io', ...args], { encoding: 'utf8' });
  const line = ctr('images', 'ls', `name==${tesseraImageReference}`).split('\n')[1] ?? '';
  const manifest = /sha256:[0-9a-f]{64}/.exec(line)?.[0];
  if (!manifest) throw new Error(`the real node's containerd holds no ${tesseraImageReference}; run scripts/images/build.sh`);
  const { config } = JSON.parse(ctr('content', 'get', manifest)) as { config: { digest: string } };
  return { manifest, config: config.digest };
}

/**
 * Whether a container status's imageID names the loaded image: the CRI reports a repo digest
 * (`docker.io/tessera/operator@<manifest>`) or, without one, the config digest.
 */
export function namesImage(imageID: string, image: { manifest: string; config: string }): boolean {
  return imageID === image.config || imageID.endsWith(`@${image.manifest}`);
}
