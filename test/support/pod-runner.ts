import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import { transferAudience } from '../../src/transfer/protocol.ts';
import { kube } from './kube.ts';

// Pods on kwok nodes run no containers, so a test plays the kubelet for Tessera's own containers:
// it asks the API server for a token bound to the pod (as the kubelet does for a projected volume)
// and runs the container's command as a local process against a temporary /tessera root.

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const run = promisify(execFile);

/** A kwok pod's file-set containers, runnable as local processes. */
export interface PodRunner {
  /** The local directory standing in for the pod's /tessera. */
  root: string;
  tokenFile: string;
  /** Runs `tessera <args>` as the pod's container would; resolves with its stdout, rejects with its stderr. */
  tessera(args: string[]): Promise<string>;
  /** The init container: `tessera transfer pull`. */
  pull(): Promise<string>;
  /** The sidecar's work after main exits: `tessera transfer push`. */
  push(): Promise<string>;
  /** The main container, when it runs the tessera image: its args, with /tessera mapped to root. */
  main(): Promise<string>;
}

/** A token for the pod's ServiceAccount bound to the pod, with the transfer API's audience. */
export async function podToken(pod: Readonly<k8s.V1Pod>, audience = transferAudience): Promise<string> {
  const { core } = kube();
  const request = await core.createNamespacedServiceAccountToken({
    namespace: pod.metadata?.namespace ?? '',
    name: pod.spec?.serviceAccountName ?? 'default',
    body: {
      spec: {
        audiences: [audience],
        expirationSeconds: 3600,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid },
      },
    },
  });
  return request.status?.token ?? '';
}

/** Prepares to run the mover for `pod` against the transfer API at `transferUrl`, with `token` or one the test mints. */
export async function podRunner(pod: Readonly<k8s.V1Pod>, transferUrl: string, token?: string): Promise<PodRunner> {
  const root = await mkdtemp(join(tmpdir(), `tessera-pod-${pod.metadata?.name ?? 'x'}-`));
  const tokenFile = join(root, '.token');
  await writeFile(tokenFile, token ?? (await podToken(pod)), { mode: 0o600 });
  const tessera = async (args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(process.execPath, [cli, ...args], { env: { ...process.env, TESSERA_ROOT: root, TESSERA_TRANSFER_URL: transferUrl, TESSERA_TOKEN_FILE: tokenFile }, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`tessera ${args.join(' ')} failed:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
    }
  };
  const mainArgs = (pod.spec?.containers.find((c) => c.name === 'main')?.args ?? []).map((a) => a.replace(/^\/tessera(?=\/|$)/, root));
  return { root, tokenFile, tessera, pull: () => tessera(['transfer', 'pull']), push: () => tessera(['transfer', 'push']), main: () => tessera(mainArgs) };
}
