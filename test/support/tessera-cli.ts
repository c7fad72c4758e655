import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clusterEnv } from './cluster-env.ts';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const run = promisify(execFile);

/** Runs `tessera <args>` as a user on their workstation: the local cluster's kubeconfig and store keys. */
export async function tesseraCli(args: string[]): Promise<string> {
  const env = clusterEnv();
  try {
    const { stdout } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, KUBECONFIG: env.kubeconfig, TESSERA_S3_ENDPOINT: env.s3Endpoint, TESSERA_S3_ACCESS_KEY: env.s3AccessKey, TESSERA_S3_SECRET_KEY: env.s3SecretKey },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`tessera ${args.join(' ')} failed:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}
