import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ExecPlugin, KubeTarget, Material } from './kubeconfig.ts';

// What the user-facing commands connect to: the cluster through the kubeconfig kubectl would use
// (KUBECONFIG, else ~/.kube/config), as the user. The common kubeconfigs (certificates, tokens,
// exec plugins) are read here, so a command starts without @kubernetes/client-node; anything else
// (several KUBECONFIG files to merge, auth-provider plugins, proxies, in-cluster config) goes to
// client-node's own KubeConfig, loaded only then.

/** A cluster to send requests to, and how. */
export interface KubeConnection {
  /** The API server's URL, without a trailing slash. */
  server: string;
  /** The namespace commands default to: the flag, else the context's, else `default`. */
  namespace: string;
  /** TLS settings (as an agent that keeps the connection) and the Authorization header of a request. */
  requestOptions(): Promise<RequestOptions>;
}

/** The one kubeconfig file to read, or undefined when client-node must decide (several, or none). */
function kubeconfigFile(): string | undefined {
  const files = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (files.length > 1) return undefined;
  if (files.length === 1) return files[0];
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

const bytes = (m: Material | undefined): Buffer | undefined => (m === undefined ? undefined : 'data' in m ? Buffer.from(m.data, 'base64') : readFileSync(m.file));

interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
}

/** Runs a credential plugin as client-node does (its env added to ours) and reads its ExecCredential. */
function runPlugin(exec: ExecPlugin): Promise<ExecCredentialStatus> {
  const env = { ...process.env, ...Object.fromEntries(exec.env.map((e) => [e.name, e.value])) };
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args, { env, stdio: ['inherit', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the kubeconfig's exec plugin ${exec.command} failed (exit ${code}): ${stderr.trim()}`));
      try {
        resolve(((JSON.parse(stdout) as { status?: ExecCredentialStatus }).status ?? {}));
      } catch (error) {
        reject(new Error(`the kubeconfig's exec plugin ${exec.command} printed no ExecCredential`, { cause: error }));
      }
    });
  });
}

/** A connection for `target`: the TLS material once, in one keep-alive agent; a plugin runs at most once. */
function fromTarget(target: KubeTarget, namespace: string): KubeConnection {
  let prepared: Promise<RequestOptions> | undefined;
  const prepare = async (): Promise<RequestOptions> => {
    const credential = target.exec ? await runPlugin(target.exec) : {};
    const cert = credential.clientCertificateData ? Buffer.from(credential.clientCertificateData) : bytes(target.cert);
    const key = credential.clientKeyData ? Buffer.from(credential.clientKeyData) : bytes(target.key);
    const token = target.token ? ('value' in target.token ? target.token.value : readFileSync(target.token.file, 'utf8').trim()) : credential.token;
    const agent = new Agent({
      keepAlive: true,
      ca: bytes(target.ca),
      cert,
      key,
      ...(target.servername ? { servername: target.servername } : {}),
      ...(target.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
    });
    return { agent, headers: token ? { authorization: `Bearer ${token}` } : {} };
  };
  return { server: target.server, namespace, requestOptions: () => (prepared ??= prepare()) };
}

/** A connection through a client-node KubeConfig already loaded (tests and the fallback below use it). */
export function kubeConfigConnection(kc: KubeConfig, namespaceFlag?: string): KubeConnection {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  return {
    server: cluster.server.replace(/\/$/, ''),
    namespace: namespaceFlag ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default',
    async requestOptions(): Promise<RequestOptions> {
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      return options;
    },
  };
}

/** client-node's KubeConfig, loaded only for what the thin reader leaves to it. */
async function fromClientNode(namespaceFlag: string | undefined): Promise<KubeConnection> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kubeConfigConnection(kc, namespaceFlag);
}

/** The cluster kubectl would talk to, and the namespace: the flag, else the context's, else default. */
export async function connect(namespaceFlag: string | undefined): Promise<KubeConnection> {
  const file = kubeconfigFile();
  if (file === undefined) return fromClientNode(namespaceFlag);
  const { currentTarget, parseKubeconfig } = await import('./kubeconfig.ts');
  const read = currentTarget(parseKubeconfig(readFileSync(file, 'utf8')), file);
  if ('unsupported' in read) return fromClientNode(namespaceFlag);
  if ('error' in read) {
    const { CliError } = await import('./errors.ts');
    throw new CliError(read.error);
  }
  return fromTarget(read.target, namespaceFlag ?? read.target.namespace ?? 'default');
}
