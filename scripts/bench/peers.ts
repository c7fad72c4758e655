import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { benchCluster } from './cluster.ts';
import { extraNodeManifests, runFor as planRunFor, shapes } from './plan.ts';
import { runFor as jobRunFor } from './jobs.ts';
import { argoRequeueTime, buildPeer, installArgoCrds, peerPart } from './peers-argo.ts';
import { cpuRows, scenarioRows, scenarioVerdict, table, transferRows, type RunFigures, type TransferFigures } from './peers-report.ts';
import { benchTransfers, trees } from './peers-transfer.ts';
import { argoDag, argoIndependent, tesseraDag, tesseraIndependent } from './peers-workflows.ts';

// `npm run bench -- peers [count] [scenario...]`: Tessera beside the tools a user would pick instead,
// in one run on the same cluster and store. Argo Workflows runs the workflow scenarios (N one-pod
// workflows; one DAG of a 1 → N-1 fan-out; one DAG of 10 layers), rclone the transfer trees (1 × 1 GiB,
// 100 × 10 MiB, 10,000 × 100 KiB). Both peers are built from their Go modules on first use
// (build-parts.sh argo rclone; cached). Figures and ratios are printed; nothing passes or fails on them.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const workflowScenarios = ['workflows', 'fan-out', 'layers'] as const;

function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  return execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { input, encoding: 'utf8' });
}

function printScenario(title: string, tessera: RunFigures, argo: RunFigures): void {
  console.log(`\n${title}`);
  console.log(table(['figure', 'tessera', 'argo', 'tessera/argo', 'target'], scenarioRows(tessera, argo)));
  console.log(`targets: ${scenarioVerdict(tessera, argo)}`);
  console.log(table(['CPU seconds', 'tessera', 'argo'], cpuRows(tessera.cpu, argo.cpu)));
}

async function benchWorkflows(count: number, chosen: ReadonlySet<string>, stamp: string): Promise<string[]> {
  const argo = peerPart('ARGO');
  buildPeer('argo');
  installArgoCrds(argo.dir);
  const requeue = argoRequeueTime() ?? "10s, Argo's default";
  console.log(`\nArgo Workflows ${argo.version} (workflow-controller, minimal CRDs, DEFAULT_REQUEUE_TIME ${requeue}) vs Tessera on kwok nodes; engines run one at a time, each fresh, Argo first`);
  const summary: string[] = [];
  const record = (name: string, tessera: RunFigures, other: RunFigures): void => {
    printScenario(name, tessera, other);
    const ratio = (a: number, b: number): string => (a / b).toFixed(2);
    summary.push(`${name} | ${tessera.makespanS.toFixed(1)} s / ${other.makespanS.toFixed(1)} s = ${ratio(tessera.makespanS, other.makespanS)}x | ${tessera.apiserverCpuS.toFixed(1)} / ${other.apiserverCpuS.toFixed(1)} CPU-s = ${ratio(tessera.apiserverCpuS, other.apiserverCpuS)}x | ${scenarioVerdict(tessera, other)}`);
  };
  if (chosen.has('workflows')) {
    const other = await argoIndependent(argo.dir, count, stamp);
    const tessera = await tesseraIndependent(count, stamp);
    record(`${count} one-pod tasks (${jobRunFor} each): Argo Workflows vs Tessera Jobs`, tessera, other);
  }
  for (const shape of shapes(count).filter((s) => s.name !== 'chain' && chosen.has(s.name))) {
    const other = await argoDag(argo.dir, shape, stamp);
    const tessera = await tesseraDag(shape, stamp);
    record(`${shape.name} DAG of ${shape.tasks.length} tasks (${planRunFor} each): one Argo Workflow vs one ComputePlan`, tessera, other);
  }
  return summary;
}

async function benchRclone(chosen: ReadonlySet<string>): Promise<void> {
  const rclone = peerPart('RCLONE');
  buildPeer('rclone');
  console.log(`\nrclone ${rclone.version} (s3 and local backends; copy, ${8} transfers at once) vs Tessera's mover, through ${clusterEnv().s3Endpoint}`);
  const header = ['tree', 'direction', 'tessera', 'rclone', 'tessera/rclone (speed)', 'CPU s tessera / rclone', 'peak RSS tessera / rclone', 'target'];
  const all: TransferFigures[] = [];
  await benchTransfers(join(rclone.dir, 'rclone'), trees.filter((t) => chosen.has(t.name)), (figures) => {
    all.push(...figures);
    console.log(table(header, transferRows(figures)));
  });
  console.log(`\nall trees:\n${table(header, transferRows(all))}`);
}

/** Runs the peers benchmark. Args: [count] (tasks per scenario, default 1000) [scenario...] (workflows, fan-out, layers, large, medium, small; default all). */
export async function benchPeers(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 1000);
  const names = args.slice(1);
  const known = [...workflowScenarios, ...trees.map((t) => t.name)];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`bench peers: unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const chosen = new Set(names.length ? names : known);
  benchCluster();
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(repo, 'crds')]);
  const stamp = Date.now().toString(36);
  let summary: string[] = [];
  if (workflowScenarios.some((s) => chosen.has(s))) {
    // Room for a 999-wide fan-out, for both engines alike (the plan bench's extra kwok nodes).
    kubectl(['apply', '-f', '-'], extraNodeManifests());
    try {
      summary = await benchWorkflows(count, chosen, stamp);
    } finally {
      kubectl(['delete', 'nodes', '-l', 'tessera.dev/pool=bench', '--wait=false']);
    }
  }
  if (trees.some((t) => chosen.has(t.name))) await benchRclone(chosen);
  if (summary.length) console.log(`\nsummary (tessera / argo):\n${table(['scenario', 'makespan', 'apiserver CPU', 'targets'], summary.map((line) => line.split(' | ')))}`);
}
