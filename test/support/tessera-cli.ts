import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clusterEnv } from './cluster-env.ts';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const run = promisify(execFile);

/** The environment of a workstation: a kubeconfig and nothing of the object store's. */
export function workstationEnv(kubeconfig: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TESSERA_S3_')));
  return { ...env, KUBECONFIG: kubeconfig };
}

/**
 * Runs `tessera <args>` as a user on their workstation: a kubeconfig (the cluster admin's unless
 * `kubeconfig` names a tenant's) and no store keys.
 */
export async function tesseraCli(args: string[], kubeconfig = clusterEnv().kubeconfig): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [cli, ...args], { env: workstationEnv(kubeconfig), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`tessera ${args.join(' ')} failed:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}
