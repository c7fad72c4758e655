import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Dataset } from '../../src/api/dataset.ts';
import { buildPackagedCli, node24Dir, runAsUser, type PackagedCli } from '../support/cli-package.ts';
import { clusterEnv } from '../support/cluster-env.ts';
import { useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf, type Tenant } from '../support/tenant.ts';

// The CLI as users install it — the npm package (`npm install -g`) and the single executable
// `kubectl-tessera` run by `kubectl tessera` — against the local cluster and a running operator:
// pushes, reads with -o json|yaml, the GitOps push that prints the Dataset instead of applying it,
// and errors worded as kubectl words them (not found, forbidden, connection refused).

const ns = useNamespace(import.meta.filename);
const other = useNamespace(import.meta.filename, 'other');
const env = clusterEnv();
let operator: RunningOperator;
let cli: PackagedCli;
let tenant: Tenant;
let scratch = '';

beforeAll(async () => {
  installCrds();
  // Built once for the whole file: the bundle, the package and the SEA binary (~15 s).
  // Both at once; the operator is kept whatever the build does, so afterAll stops it.
  const [started, built] = await Promise.allSettled([startOperator('cli-package'), buildPackagedCli()]);
  if (started.status === 'fulfilled') operator = started.value;
  if (started.status === 'rejected') throw started.reason;
  if (built.status === 'rejected') throw built.reason;
  cli = built.value;
  tenant = await tenantOf(ns.name);
  scratch = await mkdtemp(join(tmpdir(), 'tessera-cli-package-data-'));
});
afterAll(async () => {
  await operator?.stop();
  await cli?.remove();
  await rm(scratch, { recursive: true, force: true });
});

const packaged = (args: string[], kubeconfig = env.kubeconfig): ReturnType<typeof runAsUser> => runAsUser(cli.installed, args, { kubeconfig, path: [node24Dir] });
// `kubectl tessera …`: kubectl finds kubectl-tessera on PATH, which holds only the two of them: no Node.
const plugin = (args: string[], kubeconfig = env.kubeconfig): ReturnType<typeof runAsUser> =>
  runAsUser(env.kubectl, ['tessera', ...args], { kubeconfig, path: [cli.seaDir, dirname(env.kubectl)], only: true });

async function dataDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe('the npm package, installed with npm install -g', () => {
  it('is one bundle with no dependencies, and pushes and reads a Dataset with -o json', async () => {
    expect((await stat(cli.tarball)).size).toBeLessThan(5 * 1024 * 1024);
    const help = await packaged(['--help']);
    expect(help.stdout).toMatch(/Usage: tessera/);

    const pushed = await packaged(['dataset', 'push', await dataDir('pkg', { 'a.txt': 'one\n' }), '--name', 'pkg', '-n', ns.name]);
    expect(pushed, pushed.stderr).toMatchObject({ code: 0 });
    expect(pushed.stdout).toMatch(/is at version 1 \(1 files, 4 bytes\)/);

    const read = await packaged(['dataset', 'versions', 'pkg', '-n', ns.name, '-o', 'json']);
    expect(read, read.stderr).toMatchObject({ code: 0 });
    const versions = JSON.parse(read.stdout) as { current: number; versions: Array<{ version: number; digest: string; files: number }> };
    expect(versions).toMatchObject({ current: 1, versions: [{ version: 1, files: 1 }] });
    expect(versions.versions[0]?.digest).toBe(kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'pkg').status?.digest);
  });

  it('dataset push --output yaml uploads the bytes and prints the Dataset to commit, applying nothing', async () => {
    const pushed = await packaged(['dataset', 'push', await dataDir('gitops', { 'b.txt': 'two\n', 'c.txt': 'three\n' }), '--name', 'gitops', '-n', ns.name, '--authorize', other.name, '--output', 'yaml']);
    expect(pushed, pushed.stderr).toMatchObject({ code: 0 });
    const manifest = parse(pushed.stdout) as Dataset;
    expect(manifest).toMatchObject({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'gitops', namespace: ns.name }, spec: { permissions: { authorizedNamespaces: [other.name] } } });
    expect(pushed.stderr).toContain(`pushed 2 files as ${manifest.spec.source.fileSet?.digest}`);
    expect(() => kubectl(['get', '-n', ns.name, 'datasets.tessera.dev', 'gitops'])).toThrow(/NotFound|not found/);

    // Committed and applied later (here by kubectl, as GitOps would), it is Ready: the bytes are there.
    kubectlApply(ns.name, pushed.stdout);
    const ready = await waitFor('Dataset gitops Ready', () => {
      const dataset = kubectlGet<Dataset>(ns.name, 'datasets.tessera.dev', 'gitops');
      return dataset.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? dataset : undefined;
    });
    expect(ready.status).toMatchObject({ version: 1, files: 2, bytes: 10 });
  });
});

describe('kubectl tessera (the SEA binary kubectl-tessera on PATH)', () => {
  it('runs --help and a real read with -o yaml, with no Node on PATH', async () => {
    const help = await plugin(['--help']);
    expect(help, help.stderr).toMatchObject({ code: 0 });
    expect(help.stdout).toMatch(/Usage: kubectl tessera/);
    const read = await plugin(['dataset', 'versions', 'pkg', '-n', ns.name, '-o', 'yaml']);
    expect(read, read.stderr).toMatchObject({ code: 0 });
    expect(parse(read.stdout)).toMatchObject({ dataset: 'pkg', namespace: ns.name, current: 1 });
  });
});

describe('errors read like kubectl\'s, never an HTTP dump', () => {
  const noDump = (text: string): void => expect(text).not.toMatch(/HTTP-Code|Headers:|audit-id|Body:/);

  it('a missing plan or Job is NotFound, through every form of the CLI', async () => {
    for (const run of [packaged, plugin]) {
      const tree = await run(['plan', 'tree', 'missing', '-n', ns.name]);
      expect(tree.code).toBe(1);
      expect(tree.stderr.trim()).toBe('Error from server (NotFound): computeplans.tessera.dev "missing" not found');
      const logs = await run(['logs', 'missing', '-n', ns.name]);
      expect(logs.stderr.trim()).toBe('Error from server (NotFound): jobs.tessera.dev "missing" not found');
      const task = await run(['logs', 'missing/train', '-n', ns.name, '-o', 'json']);
      expect(task.stderr.trim()).toBe('Error from server (NotFound): computeplans.tessera.dev "missing" not found');
      const versions = await run(['dataset', 'versions', 'missing', '-n', ns.name, '-o', 'yaml']);
      expect(versions.stderr.trim()).toBe('Error from server (NotFound): datasets.tessera.dev "missing" not found');
      [tree, logs, task, versions].forEach((r) => noDump(r.stderr));
    }
  });

  it('a namespace the user may not read is Forbidden, naming the user', async () => {
    const tree = await packaged(['plan', 'tree', 'any', '-n', other.name], tenant.kubeconfig);
    expect(tree.code).toBe(1);
    expect(tree.stderr).toMatch(new RegExp(`^Error from server \\(Forbidden\\): computeplans.tessera.dev "any" is forbidden: User "${tenant.user}" cannot get resource "computeplans"`));
    const pull = await plugin(['logs', 'any', '-n', other.name], tenant.kubeconfig);
    expect(pull.stderr).toMatch(/^Error from server \(Forbidden\): jobs.tessera.dev "any" is forbidden/);
    noDump(tree.stderr + pull.stderr);
  });

  it('a server that refuses connections is named, as kubectl names it', async () => {
    const refused = join(scratch, 'refused.kubeconfig');
    await writeFile(refused, kubectl(['config', 'view', '--raw']).replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:59999'));
    for (const run of [packaged, plugin]) {
      const tree = await run(['plan', 'tree', 'x', '-n', ns.name], refused);
      expect(tree.stderr.trim()).toBe('The connection to the server 127.0.0.1:59999 was refused - did you specify the right host or port?');
      const pull = await run(['fileset', 'pull', `sha256:${'0'.repeat(64)}`, join(scratch, 'nowhere'), '-n', ns.name], refused);
      expect(pull.stderr.trim()).toBe('The connection to the server 127.0.0.1:59999 was refused - did you specify the right host or port?');
    }
  });

  it('a Job with no saved log says so, and how to read the live one', async () => {
    kubectlApply(ns.name, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name: 'unfinished' }, spec: { image: 'local/sim:1', command: ['true'] } }));
    const logs = await packaged(['logs', 'unfinished', '-n', ns.name]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(new RegExp(`^error: Job ${ns.name}/unfinished has no saved log \\(phase \\w+\\)`));
    expect(logs.stderr).toContain(`kubectl logs -n ${ns.name} -l tessera.dev/job=unfinished -c main`);
  });
});
