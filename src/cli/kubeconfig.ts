import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

// The current context of a kubeconfig, read without @kubernetes/client-node: importing it costs a
// CLI command ~85 MiB and most of a second (its KubeConfig pulls in every generated API), and a
// command makes one or two requests. Pure: it turns the parsed file into where to connect and how
// to authenticate; kube-connection.ts does the I/O. What it does not know (auth-provider plugins,
// proxies, basic auth, impersonation) it says, and the caller hands the file to client-node instead.

/**
 * The kubeconfig file's text, parsed. Here rather than at the caller: a dynamic import of `yaml`
 * (CommonJS) keeps no named exports once esbuild splits the bundle the image and package ship.
 */
export function parseKubeconfig(text: string): unknown {
  return parse(text) as unknown;
}

/** Bytes given inline (base64, as `*-data` fields carry them) or as a file path. */
export type Material = { data: string } | { file: string };

/** A client-go credential plugin (`users[].user.exec`), as kubectl runs it. */
export interface ExecPlugin {
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
}

/** Where the current context connects, and as whom. */
export interface KubeTarget {
  server: string;
  /** The context's namespace, if it names one. */
  namespace?: string;
  ca?: Material;
  cert?: Material;
  key?: Material;
  servername?: string;
  insecureSkipTlsVerify: boolean;
  token?: { value: string } | { file: string };
  exec?: ExecPlugin;
}

type Entry = Record<string, unknown>;

const record = (value: unknown): Entry => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Entry) : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** The `key` member of the list entry named `name` (clusters[].cluster, users[].user…). */
function named(list: unknown, name: string | undefined, key: string): Entry | undefined {
  if (!Array.isArray(list) || name === undefined) return undefined;
  const entry = list.map(record).find((e) => e.name === name);
  return entry ? record(entry[key]) : undefined;
}

/** Inline data wins over a file, as in client-go; relative files are relative to the kubeconfig's directory. */
function material(entry: Entry, dataKey: string, fileKey: string, base: string): Material | undefined {
  const data = text(entry[dataKey]);
  if (data) return { data };
  const file = text(entry[fileKey]);
  if (!file) return undefined;
  return { file: isAbsolute(file) ? file : join(base, file) };
}

function execPlugin(value: unknown): ExecPlugin | undefined {
  const exec = record(value);
  const command = text(exec.command);
  if (!command) return undefined;
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const env = Array.isArray(exec.env) ? exec.env.map(record).map((e) => ({ name: text(e.name) ?? '', value: typeof e.value === 'string' ? e.value : '' })) : [];
  return { command, args, env };
}

/** What the thin reader leaves to client-node, if the user or cluster asks for any of it. */
function unsupported(cluster: Entry, user: Entry): string | undefined {
  if (user['auth-provider'] !== undefined) return 'an auth-provider';
  if (user.username !== undefined || user.password !== undefined) return 'basic authentication';
  if (user.as !== undefined || user['as-groups'] !== undefined) return 'impersonation';
  if (cluster['proxy-url'] !== undefined) return 'a proxy-url';
  if (user.exec !== undefined && !execPlugin(user.exec)) return 'an exec plugin without a command';
  return undefined;
}

/**
 * The current context of the kubeconfig `doc` (parsed), read from `path`: a target, or why this
 * reader leaves it to client-node (`unsupported`), or an error as kubectl would report it.
 */
export function currentTarget(doc: unknown, path: string): { target: KubeTarget } | { unsupported: string } | { error: string } {
  const config = record(doc);
  const contextName = text(config['current-context']);
  if (!contextName) return { error: `error: the kubeconfig ${path} has no current-context` };
  const context = named(config.contexts, contextName, 'context');
  if (!context) return { error: `error: context "${contextName}" does not exist in ${path}` };
  const cluster = named(config.clusters, text(context.cluster), 'cluster');
  const server = text(cluster?.server);
  if (!cluster || !server) return { error: `error: the cluster of context "${contextName}" has no server in ${path}` };
  const user = named(config.users, text(context.user), 'user') ?? {};
  const why = unsupported(cluster, user);
  if (why) return { unsupported: why };
  const base = dirname(path);
  const target: KubeTarget = {
    server: server.replace(/\/$/, ''),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...optional('namespace', text(context.namespace)),
    ...optional('ca', material(cluster, 'certificate-authority-data', 'certificate-authority', base)),
    ...optional('servername', text(cluster['tls-server-name'])),
    ...optional('cert', material(user, 'client-certificate-data', 'client-certificate', base)),
    ...optional('key', material(user, 'client-key-data', 'client-key', base)),
    ...optional('token', tokenOf(user, base)),
    ...optional('exec', execPlugin(user.exec)),
  };
  return { target };
}

/** A bearer token given inline or in a file (`tokenFile`). */
function tokenOf(user: Entry, base: string): KubeTarget['token'] {
  const value = text(user.token);
  if (value) return { value };
  const file = text(user.tokenFile) ?? text(user['token-file']);
  return file ? { file: isAbsolute(file) ? file : join(base, file) } : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
