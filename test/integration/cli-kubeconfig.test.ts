import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { clusterEnv } from '../support/cluster-env.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds, kubectlApply } from '../support/kubectl.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';
import { workstationEnv } from '../support/tessera-cli.ts';

// The CLI reads the kubeconfig itself (src/cli/kubeconfig.ts) so that it starts without client-node:
// each kind of credential it reads — client certificates and CAs in files beside the kubeconfig, a
// token file, an exec plugin — against the real API server, the ones it leaves to client-node
// (several KUBECONFIG files), and its errors beside kubectl's for the same failure.

const ns = useNamespace(import.meta.filename);
const env = clusterEnv();
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
let tenant: Tenant;
let dir = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tessera(args: string[], kubeconfig: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: workstationEnv(kubeconfig) }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

type Config = Record<string, unknown> & { users: Array<{ name: string; user: Record<string, unknown> }>; clusters: Array<{ name: string; cluster: Record<string, unknown> }> };

/** The admin kubeconfig, parsed (its certificates inline). */
async function adminConfig(): Promise<Config> {
  return parse(await readFile(env.kubeconfig, 'utf8')) as Config;
}

async function writeConfig(name: string, config: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}

/** The tenant's token, as its kubeconfig holds it. */
async function tenantToken(): Promise<string> {
  const config = parse(await readFile(tenant.kubeconfig, 'utf8')) as Config;
  return String(config.users[0]!.user.token);
}

beforeAll(async () => {
  installCrds();
  tenant = await tenantOf(ns.name);
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-kubeconfig-'));
  kubectlApply(ns.name, ['a', 'b'].map((name) => stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name }, spec: { image: 'local/sim:1' } })).join('---\n'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const listed = (run: Run): string[] => run.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0]!);

describe('tessera reads the kubeconfig as kubectl does', () => {
  it('client certificate, key and CA in files named relative to the kubeconfig', async () => {
    const config = await adminConfig();
    const cluster = config.clusters[0]!.cluster;
    const user = config.users[0]!.user;
    await writeFile(join(dir, 'ca.crt'), Buffer.from(String(cluster['certificate-authority-data']), 'base64'));
    await writeFile(join(dir, 'admin.crt'), Buffer.from(String(user['client-certificate-data']), 'base64'));
    await writeFile(join(dir, 'admin.key'), Buffer.from(String(user['client-key-data']), 'base64'));
    delete cluster['certificate-authority-data'];
    delete user['client-certificate-data'];
    delete user['client-key-data'];
    Object.assign(cluster, { 'certificate-authority': 'ca.crt' });
    Object.assign(user, { 'client-certificate': 'admin.crt', 'client-key': 'admin.key' });
    const run = await tessera(['job', 'list', '-n', ns.name], await writeConfig('files.kubeconfig', config));
    expect(run.stderr).toBe('');
    expect(listed(run)).toEqual(['a', 'b']);
  });

  it("a token file, and the context's namespace when -n is not given", async () => {
    const config = parse(await readFile(tenant.kubeconfig, 'utf8')) as Config;
    await writeFile(join(dir, 'token'), `${await tenantToken()}\n`);
    config.users[0]!.user = { tokenFile: 'token' };
    const run = await tessera(['job', 'list'], await writeConfig('token-file.kubeconfig', config));
    expect(run.stderr).toBe('');
    expect(listed(run)).toEqual(['a', 'b']);
  });

  it("an exec plugin's token, with the plugin's env; a failing plugin's exit code and stderr", async () => {
    const plugin = join(dir, 'credential-plugin.sh');
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: '__TOKEN__' } };
    await writeFile(plugin, `#!/bin/sh\n[ "$1" = ok ] || { echo "no credential for $1" >&2; exit 3; }\necho '${JSON.stringify(credential)}' | sed "s/__TOKEN__/$PLUGIN_TOKEN/"\n`);
    await chmod(plugin, 0o755);
    const config = parse(await readFile(tenant.kubeconfig, 'utf8')) as Config;
    const exec = (arg: string): unknown => ({ apiVersion: 'client.authentication.k8s.io/v1', command: plugin, args: [arg], env: [{ name: 'PLUGIN_TOKEN', value: '' }] });
    config.users[0]!.user = { exec: exec('ok') };
    (config.users[0]!.user.exec as { env: Array<{ value: string }> }).env[0]!.value = await tenantToken();
    const run = await tessera(['job', 'list'], await writeConfig('exec.kubeconfig', config));
    expect(run.stderr).toBe('');
    expect(listed(run)).toEqual(['a', 'b']);
    config.users[0]!.user = { exec: exec('nobody') };
    const failed = await tessera(['job', 'list'], await writeConfig('exec-failing.kubeconfig', config));
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toBe(`tessera: the kubeconfig's exec plugin ${plugin} failed (exit 3): no credential for nobody`);
  });

  it('several KUBECONFIG files, merged by client-node: the same answers', async () => {
    const config = await adminConfig();
    const clusters = await writeConfig('clusters.kubeconfig', { apiVersion: 'v1', kind: 'Config', clusters: config.clusters, users: [], contexts: [] });
    const rest = await writeConfig('rest.kubeconfig', { ...config, clusters: [] });
    const run = await tessera(['job', 'list', '-n', ns.name], `${rest}:${clusters}`);
    expect(run.stderr).toBe('');
    expect(listed(run)).toEqual(['a', 'b']);
    const missing = await tessera(['plan', 'tree', 'nope', '-n', ns.name], `${rest}:${clusters}`);
    expect(missing.stderr.trim()).toBe(`Error from server (NotFound): computeplans.tessera.dev "nope" not found`);
  });
});

describe("tessera's errors read as kubectl's", () => {
  it('NotFound and Forbidden, word for word', async () => {
    const missing = await tessera(['plan', 'tree', 'nope'], tenant.kubeconfig);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(tenant.tryKubectl(['get', 'computeplan', 'nope', '-n', ns.name]).stderr.trim());
    const forbidden = await tessera(['job', 'list', '-A'], tenant.kubeconfig);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr.trim()).toBe(tenant.tryKubectl(['get', 'jobs.tessera.dev', '-A']).stderr.trim());
  });

  it('a server that refuses the connection', async () => {
    const config = parse(await readFile(tenant.kubeconfig, 'utf8')) as Config;
    config.clusters[0]!.cluster.server = 'https://127.0.0.1:1';
    const run = await tessera(['job', 'list'], await writeConfig('refused.kubeconfig', config));
    expect(run.stderr.trim()).toBe('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?');
  });
});
