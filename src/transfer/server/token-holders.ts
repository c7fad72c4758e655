// Which containers of a calling pod may hold its transfer token: only Tessera's movers, running the
// operator's mover image exactly as the operator writes them. A pod's spec is written by whoever
// creates it, and a tenant may create pods and batch Jobs (owner references included) in its own
// namespace; so before any answer the pod is checked for a container that mounts the token and is
// not a mover: such a pod gets nothing, whatever its ownership says. Pure.
import type * as k8s from '@kubernetes/client-node';
import { podPaths, transferAudience } from '../protocol.ts';
import { TransferError } from './errors.ts';

/** The only shapes a token-holding container may have: its name, its args (no command), and where it mounts. */
const moverArgs: Record<string, readonly string[]> = {
  pull: ['transfer', 'pull'],
  push: ['transfer', 'push', '--wait-for-termination'],
};
const indexerArgs: readonly string[] = ['transfer', 'index'];
const tokenDir = podPaths.token.slice(0, podPaths.token.lastIndexOf('/'));
const allowedEnv: ReadonlySet<string> = new Set(['TESSERA_TRANSFER_URL']);

/** Volumes that project a service-account token for the transfer API. */
function tokenVolumes(pod: Readonly<k8s.V1Pod>): Set<string> {
  const projectsToken = (v: k8s.V1Volume): boolean => v.projected?.sources?.some((s) => s.serviceAccountToken?.audience === transferAudience) ?? false;
  return new Set((pod.spec?.volumes ?? []).filter(projectsToken).map((v) => v.name));
}

function sameArgs(actual: readonly string[] | undefined, expected: readonly string[] | undefined): boolean {
  return expected !== undefined && actual !== undefined && actual.length === expected.length && actual.every((a, i) => a === expected[i]);
}

function hasForeignEnv(container: k8s.V1Container): boolean {
  return (container.envFrom ?? []).length > 0 || (container.env ?? []).some((e) => !allowedEnv.has(e.name));
}

function mountsOverMover(container: k8s.V1Container): boolean {
  const allowed = (path: string): boolean => path === podPaths.root || path === tokenDir || path.startsWith(`${podPaths.root}/`);
  return (container.volumeMounts ?? []).some((m) => !allowed(m.mountPath));
}

/** Why a container that mounts the token is not a mover, or undefined when it is one. */
function notAMover(container: k8s.V1Container, expectedArgs: readonly string[] | undefined, moverImage: string): string | undefined {
  if (container.image !== moverImage) return `runs ${container.image ?? 'no image'}, not the mover image`;
  if (container.command !== undefined || !sameArgs(container.args, expectedArgs)) return 'does not run the mover as the operator does';
  if (hasForeignEnv(container)) return 'sets environment the mover does not take';
  if (mountsOverMover(container)) return 'mounts something over the mover';
  return undefined;
}

function allContainers(pod: Readonly<k8s.V1Pod>): k8s.V1Container[] {
  const spec = pod.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...((spec?.ephemeralContainers ?? []) as k8s.V1Container[])];
}

/**
 * Throws Forbidden unless every container of the pod that mounts the transfer token is one of the
 * operator's movers: `pull` and `push` (and, in an index run, `main` running `transfer index`),
 * each with the mover image, its fixed args, no command, only its own environment and mounts.
 */
export function checkTokenStaysWithMovers(pod: Readonly<k8s.V1Pod>, moverImage: string, indexes: boolean): void {
  const volumes = tokenVolumes(pod);
  for (const container of allContainers(pod)) {
    if (!(container.volumeMounts ?? []).some((m) => volumes.has(m.name))) continue;
    const expected = container.name === 'main' && indexes ? indexerArgs : moverArgs[container.name];
    const why = notAMover(container, expected, moverImage);
    if (why) {
      throw new TransferError('Forbidden', `pod ${pod.metadata?.namespace}/${pod.metadata?.name}: container ${container.name} mounts the transfer token but ${why}; only Tessera's movers may hold it`);
    }
  }
}
