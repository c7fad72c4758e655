import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { clusterEnv } from './cluster-env.ts';
import { toolBinary } from './late-parts.ts';

// helm, as built by scripts/build-parts.sh (the `helm` part), run against the local cluster with a
// throw-away home so no user repository, plugin or cache changes what it does.

/** charts/tessera, the chart under test. */
export const chartDir = fileURLToPath(new URL('../../charts/tessera', import.meta.url));

/** helm's home for tests: inside the local cluster's run directory, so `cluster.sh down` removes it. */
const home = join(process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster', 'helm');

/** The pinned helm binary. */
export function helmBinary(): string {
  return toolBinary('helm');
}

function helmEnv(): NodeJS.ProcessEnv {
  mkdirSync(home, { recursive: true });
  return { ...process.env, HOME: home, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home, KUBECONFIG: clusterEnv().kubeconfig };
}

/** What a helm command did. */
export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm and returns its exit status and output, whatever they are. */
export function helmRun(args: string[]): HelmResult {
  const result = spawnSync(helmBinary(), args, { env: helmEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`helm did not run (${helmBinary()}); build it with scripts/build-parts.sh helm`, { cause: result.error });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs helm; throws with its output when it fails. */
export function helm(args: string[]): string {
  const result = helmRun(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `--set-json key=value` arguments for a values object, one per top-level key. */
export function setJson(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--set-json', `${key}=${JSON.stringify(value)}`]);
}

/** A rendered Kubernetes object, loosely typed. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Every non-empty document of a multi-document YAML stream. */
export function parseManifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null && typeof doc === 'object');
}

/** `helm template` of the chart as release `release` in `namespace`, with `values` set. */
export function renderChart(release: string, namespace: string, values: Record<string, unknown> = {}): Manifest[] {
  return parseManifests(helm(['template', release, chartDir, '--namespace', namespace, ...setJson(values)]));
}

/** The one object of `kind` (and `name`, when given) among `manifests`. */
export function only(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}
