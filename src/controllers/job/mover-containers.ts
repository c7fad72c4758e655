import type * as k8s from '@kubernetes/client-node';
import { podPaths, pushReadyMarker, storeCaBundleEnv, transferAudience } from '../../transfer/protocol.ts';
import type { EffectiveRun } from './resolve.ts';

// The file-set half of a run's pod: an init container that pulls the inputs and a native sidecar
// that pushes the outputs, both running the mover image with a projected token only they mount.
// The main container never holds a credential: it sees its inputs read-only and its outputs.

/** Where the mover reaches the operator and how long it may take. */
export interface MoverConfig {
  /** The image of `tessera transfer`. */
  moverImage: string;
  /** The transfer API as pods reach it. */
  transferUrl: string;
  /** How long the sidecar may upload after the main container exits (the pod's grace period). */
  uploadGraceSeconds: number;
  /** PEM of the CA that signed the object store's TLS certificate, when the system CAs do not cover it. */
  storeCaBundle?: string;
}

/** The mover's environment: where the transfer API is and, for a private-CA store, what to trust. */
function moverEnv(config: MoverConfig): k8s.V1EnvVar[] {
  const env = [{ name: 'TESSERA_TRANSFER_URL', value: config.transferUrl }];
  // Movers fetch presigned URLs from the store itself, so they must trust its CA as the operator does.
  if (config.storeCaBundle) env.push({ name: storeCaBundleEnv, value: config.storeCaBundle });
  return env;
}

/** What a run's pod gains from the mover. */
export interface MoverPodParts {
  initContainers: k8s.V1Container[];
  volumes: k8s.V1Volume[];
  mainMounts: k8s.V1VolumeMount[];
}

/** The container names the status reads: `pull` running is Downloading, `push` after main is Uploading. */
export const moverContainerNames = { pull: 'pull', push: 'push' } as const;

const workVolume = 'tessera';
const tokenVolume = 'tessera-token';
const tokenDir = podPaths.token.slice(0, podPaths.token.lastIndexOf('/'));
const tokenSeconds = 3600;

/**
 * The kubelet starts the main container only once a native sidecar has started, and with a startup
 * probe "started" means the probe passed: the push sidecar creates its marker once it listens for
 * SIGTERM (a SIGTERM to a PID 1 without a handler is lost), so even a main that ends at once is
 * followed by a push. Node starts in a second or two; a sidecar still not listening after two
 * minutes is restarted.
 */
const pushStartupProbe: k8s.V1Probe = {
  exec: { command: ['test', '-e', `${podPaths.root}/${pushReadyMarker}`] },
  periodSeconds: 1,
  failureThreshold: 120,
};

/** Whether a run moves any file set at all; runs that do not get a bare pod. */
export function usesFileSets(run: EffectiveRun): boolean {
  return run.inputs.length > 0 || run.code !== undefined || run.outputs.length > 0;
}

function restrictedContext(): k8s.V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function moverContainer(name: string, args: string[], config: MoverConfig): k8s.V1Container {
  return {
    name,
    image: config.moverImage,
    args,
    env: moverEnv(config),
    volumeMounts: [
      { name: workVolume, mountPath: podPaths.root },
      { name: tokenVolume, mountPath: tokenDir, readOnly: true },
    ],
    // Hashing and a few concurrent transfers: small, and bounded in memory by the mover itself.
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    // A failed mover's last words (the refused path, the transfer API's reason) become the
    // container's termination message in the pod's status, where the run's failure can cite them.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: restrictedContext(),
  };
}

/**
 * What a Dataset's index Job needs: its main container is the mover itself (`tessera transfer
 * index`), so it, and only it in this pod, gets the token and the transfer API's address.
 */
export function indexerParts(config: MoverConfig): { volumes: k8s.V1Volume[]; mainMounts: k8s.V1VolumeMount[]; mainEnv: k8s.V1EnvVar[] } {
  return {
    volumes: [tokenVolumeSpec()],
    mainMounts: [{ name: tokenVolume, mountPath: tokenDir, readOnly: true }],
    mainEnv: moverEnv(config),
  };
}

function tokenVolumeSpec(): k8s.V1Volume {
  return {
    name: tokenVolume,
    projected: { sources: [{ serviceAccountToken: { audience: transferAudience, expirationSeconds: tokenSeconds, path: 'token' } }] },
  };
}

/** The pull init container, the push sidecar (when there are outputs), volumes and main's mounts. */
export function moverPodParts(run: EffectiveRun, config: MoverConfig): MoverPodParts {
  const pull = moverContainer(moverContainerNames.pull, ['transfer', 'pull'], config);
  const push: k8s.V1Container = {
    ...moverContainer(moverContainerNames.push, ['transfer', 'push', '--wait-for-termination'], config),
    restartPolicy: 'Always',
    startupProbe: pushStartupProbe,
  };
  const mainMounts: k8s.V1VolumeMount[] = [
    { name: workVolume, mountPath: `${podPaths.root}/inputs`, subPath: 'inputs', readOnly: true },
    { name: workVolume, mountPath: `${podPaths.root}/outputs`, subPath: 'outputs' },
  ];
  if (run.code) mainMounts.push({ name: workVolume, mountPath: `${podPaths.root}/code`, subPath: 'code', readOnly: true });
  return {
    initContainers: run.outputs.length > 0 ? [pull, push] : [pull],
    volumes: [{ name: workVolume, emptyDir: {} }, tokenVolumeSpec()],
    mainMounts,
  };
}
