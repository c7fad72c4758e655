import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where a test finds the local cluster: what `scripts/cluster.sh env` prints. */
export interface ClusterEnv {
  kubeconfig: string;
  kubectl: string;
  s3Endpoint: string;
  s3AccessKey: string;
  s3SecretKey: string;
  /** Each local S3 store by name (the compatibility test runs against all of them); the same keys work on each. */
  stores: { minio: string; seaweedfs: string };
}

const clusterScript = fileURLToPath(new URL('../../scripts/cluster.sh', import.meta.url));

let cached: ClusterEnv | undefined;

/** Reads the local cluster's coordinates once per test worker. */
export function clusterEnv(): ClusterEnv {
  if (cached) return cached;
  const output = execFileSync('bash', [clusterScript, 'env'], { encoding: 'utf8' });
  const vars = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) vars.set(match[1], match[2]);
  }
  const need = (name: string): string => {
    const value = vars.get(name);
    if (!value) throw new Error(`scripts/cluster.sh env printed no ${name}`);
    return value;
  };
  cached = {
    kubeconfig: need('KUBECONFIG'),
    kubectl: need('TESSERA_KUBECTL'),
    s3Endpoint: need('TESSERA_S3_ENDPOINT'),
    s3AccessKey: need('TESSERA_S3_ACCESS_KEY'),
    s3SecretKey: need('TESSERA_S3_SECRET_KEY'),
    stores: { minio: need('TESSERA_MINIO_ENDPOINT'), seaweedfs: need('TESSERA_SEAWEEDFS_ENDPOINT') },
  };
  return cached;
}
