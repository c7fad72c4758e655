import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import { clusterEnv } from '../../test/support/cluster-env.ts';
import { workstationEnv } from '../../test/support/tessera-cli.ts';
import { memberOf } from './members.ts';

// The federated example (examples/federated), run the way a user runs it: kubectl for namespaces
// and the plan, `tessera dataset push` and `tessera algo push` for data and code. Shared by
// `npm run demo` (which narrates) and the e2e test (which asserts).

const repo = fileURLToPath(new URL('../../', import.meta.url));
const example = join(repo, 'examples', 'federated');

/** Where the example runs: the aggregator's namespace and the hospitals', from plan.yaml. */
export interface Federation {
  plan: ComputePlan;
  aggregator: string;
  hospitals: string[];
}

/** The example plan as written in examples/federated/plan.yaml. */
export function examplePlan(): Federation {
  const plan = parse(readFileSync(join(example, 'plan.yaml'), 'utf8')) as ComputePlan;
  const trainers = plan.spec.strategy?.fedAvg?.trainers ?? [];
  return { plan, aggregator: plan.metadata.namespace ?? '', hospitals: trainers.map((t) => t.namespace) };
}

/** kubectl against the local cluster; throws with its stderr. */
export function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  try {
    return execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`kubectl ${args.join(' ')}: ${(error as { stderr?: string }).stderr ?? ''}`, { cause: error });
  }
}

/**
 * The tessera CLI as a user on their workstation runs it: a kubeconfig (an organization member's, or
 * the cluster admin's for read-only views) and no object-store keys.
 */
export function tessera(args: string[], kubeconfig = clusterEnv().kubeconfig): string {
  return execFileSync(process.execPath, [join(repo, 'src', 'cli', 'main.ts'), ...args], { encoding: 'utf8', env: workstationEnv(kubeconfig) });
}

function ensureNamespace(name: string): void {
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'tessera.dev/example': 'federated' } } }));
}

/** Deletes what an earlier run left (the plan, so its Jobs go with it) and waits until it is gone. */
export function resetFederation(federation: Federation): void {
  kubectl(['delete', 'computeplan', federation.plan.metadata.name, '-n', federation.aggregator, '--ignore-not-found', '--wait=true', '--timeout=120s']);
}

const algos = [
  { name: 'train', category: 'train', output: 'model', readsData: true },
  { name: 'aggregate', category: 'aggregate', output: 'model', readsData: false },
  { name: 'evaluate', category: 'metric', output: 'performance', readsData: true },
] as const;

/** The run digest `tessera algo push` prints: what a hospital approves to let that code touch its data. */
function runDigestOf(pushOutput: string): string {
  const digest = /^run digest (sha256:[a-f0-9]{64})$/m.exec(pushOutput)?.[1];
  if (!digest) throw new Error(`tessera algo push printed no run digest:\n${pushOutput}`);
  return digest;
}

/**
 * Namespaces, the three Algos pushed from examples/federated/algos into the aggregator's namespace,
 * then each hospital's synthetic data pushed as its Dataset: compute-only for the aggregator (its
 * tasks run in the hospital's namespace; only models leave), and only the reviewed training and
 * evaluation code approved, by the run digests the Algo pushes printed.
 */
export async function prepareFederation(federation: Federation, image: string, say: (line: string) => void): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-federated-'));
  try {
    ensureNamespace(federation.aggregator);
    // Each organization acts as its own member (namespace-scoped roles), never as the cluster admin.
    const aggregator = await memberOf(federation.aggregator);
    const approved: string[] = [];
    for (const algo of algos) {
      const args = ['algo', 'push', join(example, 'algos'), '--name', algo.name, '-n', federation.aggregator, '--image', image];
      const output = tessera([...args, '--category', algo.category, '--command', 'node', `/tessera/code/${algo.name}.js`, '--output', algo.output], aggregator.kubeconfig);
      say(output.trim());
      if (algo.readsData) approved.push(runDigestOf(output));
    }
    for (const [i, hospital] of federation.hospitals.entries()) {
      ensureNamespace(hospital);
      const member = await memberOf(hospital);
      const dir = join(scratch, hospital);
      execFileSync(process.execPath, [join(example, 'generate-data.js'), dir, String(i + 2)], { stdio: 'pipe' });
      say(tessera(['dataset', 'push', dir, '--name', 'patients', '-n', hospital, '--authorize', federation.aggregator, '--approve-code', approved.join(',')], member.kubeconfig).trim());
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Applies the example plan with kubectl. */
export function applyPlan(): void {
  kubectl(['apply', '-f', join(example, 'plan.yaml')]);
}

/** The plan as the cluster has it now. */
export function readPlan(federation: Federation): ComputePlan {
  return JSON.parse(kubectl(['get', 'computeplan', federation.plan.metadata.name, '-n', federation.aggregator, '-o', 'json'])) as ComputePlan;
}

function progressLine(plan: ComputePlan): string {
  const status = plan.status ?? {};
  return `${status.phase ?? 'Pending'} ${status.progress ?? ''} round ${status.round ?? '-'}`;
}

const finished = new Set(['Succeeded', 'Failed', 'Canceled']);

/** Polls the plan until it ends, telling `onChange` each new progress line; returns the final plan. */
export async function followPlan(federation: Federation, onChange: (plan: ComputePlan) => void, timeoutMs = 600_000): Promise<ComputePlan> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const plan = readPlan(federation);
    const line = progressLine(plan);
    if (line !== last) onChange(plan);
    last = line;
    if (finished.has(plan.status?.phase ?? '')) return plan;
    if (Date.now() > deadline) throw new Error(`plan ${plan.metadata.name} did not finish within ${timeoutMs} ms (${line})`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
