import { Option, type Command } from 'commander';
import type { Dataset, DatasetPermissions } from '../api/dataset.ts';
import { outputOption, type OutputFormat } from './output-option.ts';

// `tessera dataset push|versions|import` and `tessera fileset pull`: what a data owner runs on their
// workstation (push, versions, pull) and what a Dataset's import Job runs in its pod (import).

interface PushFlags {
  name: string;
  namespace?: string;
  public?: boolean;
  authorize?: string;
  read?: string;
  approveCode?: string;
  testOnly?: boolean;
  wait: boolean;
  /** Print the Dataset in this format instead of applying it (GitOps: Git stays the source of truth). */
  output?: 'yaml' | 'json';
}

const listOf = (flag: string | undefined): string[] | undefined => flag?.split(',').map((s) => s.trim()).filter(Boolean);

/** The permissions a push applies: compute (--public, --authorize), read (--read) and approved code. */
function permissionsOf(flags: PushFlags): DatasetPermissions | undefined {
  const [authorized, readers, approved] = [listOf(flags.authorize), listOf(flags.read), listOf(flags.approveCode)];
  if (!flags.public && !authorized && !readers && !approved) return undefined;
  return {
    public: flags.public === true,
    ...(authorized ? { authorizedNamespaces: authorized } : {}),
    ...(readers ? { read: { authorizedNamespaces: readers } } : {}),
    ...(approved ? { approvedCode: approved } : {}),
  };
}

/** The Dataset spec a push applies: the file set, and the permissions and flags given. */
function datasetSpec(digest: string, flags: PushFlags): Dataset['spec'] {
  const permissions = permissionsOf(flags);
  return { source: { fileSet: { digest } }, ...(flags.testOnly ? { testOnly: true } : {}), ...(permissions ? { permissions } : {}) };
}

/** Pushes a directory as a Dataset's new version: upload what the store lacks, then apply the Dataset (or print it, with --output). */
async function pushDataset(dir: string, flags: PushFlags): Promise<void> {
  const { pushGranted } = await import('./push-granted.ts');
  const { applyTessera, waitForDataset } = await import('./apply-tessera.ts');
  const { groupVersion } = await import('../api/common.ts');
  await pushGranted(dir, { ...flags, kind: 'Dataset' }, async ({ conn, namespace, result }) => {
    // With --output, stdout is the manifest alone, so the report goes to stderr.
    const report = flags.output ? console.error : console.log;
    report(`pushed ${result.manifest.entries.length} files as ${result.digest}: ${result.uploadedBlobs} blobs (${result.uploadedBytes} bytes) uploaded, ${result.skippedBlobs} already held by ${namespace}`);
    const dataset = { apiVersion: groupVersion, kind: 'Dataset' as const, metadata: { name: flags.name, namespace }, spec: datasetSpec(result.digest, flags) };
    if (flags.output) {
      const { formatOutput } = await import('./output.ts');
      console.log(formatOutput(flags.output, dataset, () => ''));
      return;
    }
    await applyTessera(conn, dataset);
    if (!flags.wait) return;
    const ready = await waitForDataset(conn, { namespace, name: flags.name }, result.digest);
    console.log(`Dataset ${namespace}/${flags.name} is at version ${ready.status?.version} (${ready.status?.files} files, ${ready.status?.bytes} bytes)`);
  });
}

async function listVersions(name: string, flags: { namespace?: string; output: OutputFormat }): Promise<void> {
  const { connect } = await import('./kube-connection.ts');
  const { readTessera } = await import('./apply-tessera.ts');
  const { formatOutput } = await import('./output.ts');
  const { formatTable } = await import('./table.ts');
  const conn = await connect(flags.namespace);
  const { namespace } = conn;
  const dataset = await readTessera<Dataset>(conn, 'datasets', namespace, name);
  const history = dataset.status?.history ?? [];
  const rows = history.map((v) => [
    String(v.version),
    v.version === dataset.status?.version ? 'current' : '',
    v.digest,
    String(v.files),
    String(v.bytes),
    v.createdAt ?? '',
  ]);
  const data = { dataset: name, namespace, current: dataset.status?.version, versions: history };
  console.log(formatOutput(flags.output, data, () => formatTable(['VERSION', '', 'DIGEST', 'FILES', 'BYTES', 'CREATED'], rows)));
}

/** Registers `tessera dataset` and `tessera fileset`. */
export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('versioned file sets and who may compute on them');
  dataset
    .command('push')
    .description("upload a directory (only what the store lacks) and make it the Dataset's next version")
    .argument('<dir>', 'the directory to push')
    .requiredOption('--name <name>', 'the Dataset')
    .option('-n, --namespace <ns>', "the Dataset's namespace; default: the kubeconfig context's")
    .option('--public', 'let every namespace compute on it (in its namespace; only outputs leave)')
    .option('--authorize <namespaces>', 'comma-separated namespaces that may compute on it (in its namespace; only outputs leave)')
    .option('--read <namespaces>', 'comma-separated namespaces that may pull its raw bytes into their own pods')
    .option('--approve-code <digests>', "comma-separated code other namespaces may run on it: Algo run digests (status.runDigest) or images by digest")
    .option('--test-only', 'every sample is a test sample, never trained on')
    .option('--no-wait', 'do not wait for the Dataset to report the new version')
    .addOption(new Option('-o, --output <format>', 'print the Dataset to commit to Git instead of applying it (apply it within the GC grace period, an hour by default)').choices(['yaml', 'json']))
    .action((dir: string, flags: PushFlags) => pushDataset(dir, flags));
  dataset
    .command('versions')
    .description("a Dataset's versions, newest first")
    .argument('<name>', 'the Dataset')
    .option('-n, --namespace <ns>', "the Dataset's namespace")
    .addOption(outputOption())
    .action(listVersions);
  dataset
    .command('import')
    .description("(in an import Job's pod) download a URL into a directory; .tar, .tar.gz and .tgz are unpacked")
    .requiredOption('--url <url>', 'http(s) URL to import')
    .addOption(new Option('--out <dir>', 'where the files go').default('/tessera/outputs/data'))
    .action(async (flags: { url: string; out: string }) => {
      const { importUrl } = await import('./import-url.ts');
      const report = await importUrl(flags.url, flags.out);
      console.log(JSON.stringify({ msg: 'imported', url: flags.url, ...report }));
    });
  program
    .command('fileset')
    .description('file sets by digest')
    .command('pull')
    .description('download and verify a file set your namespace holds into a directory (through the workstation API, as you)')
    .argument('<digest>', 'sha256:… of the file set')
    .argument('<dir>', 'where to write it')
    .option('-n, --namespace <ns>', "the namespace that holds it; default: the kubeconfig context's")
    .action(async (digest: string, dir: string, flags: { namespace?: string }) => {
      const { pullFileSet } = await import('../storage/file-sets.ts');
      const { presignedReader } = await import('../transfer/pull.ts');
      const { connect } = await import('./kube-connection.ts');
      const { filesApi } = await import('./files-api.ts');
      const conn = await connect(flags.namespace);
      const urls = await filesApi(conn).fileSet(conn.namespace, digest);
      const result = await pullFileSet({ store: presignedReader(digest, urls), digest, dir });
      console.log(`pulled ${result.files} files (${result.bytes} bytes) into ${dir}`);
    });
}
