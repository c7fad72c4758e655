import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import { kubectl, tessera } from '../../scripts/demo/federated.ts';
import { memberOf, type Member } from '../../scripts/demo/members.ts';

// The Python example (examples/python-digits) set up the way its README has a user do it: the
// image built and loaded by its image.sh, the digits split by prepare-data.sh, the Algos pushed by
// the aggregator's member and each hospital's Dataset by that hospital's member.

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const example = join(repo, 'examples', 'python-digits');
const imageScript = join(example, 'image.sh');

/** The example's image, as image.sh names it. */
export const digitsImage = execFileSync('bash', [imageScript, 'name'], { encoding: 'utf8' }).trim();

/**
 * Builds the image and loads it into the real node's containerd unless both are current (a second,
 * warm, call checks a label and a digest): fails saying how to get it, never skips.
 */
export function ensureDigitsImage(): number {
  const started = Date.now();
  const result = spawnSync('bash', [imageScript], { stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${digitsImage} did not build or load: run examples/python-digits/image.sh and see its log ` +
      '(/tmp/tessera-cluster/logs/images.log). It needs buildah, the seeded node:24-bookworm-slim (scripts/images/build.sh) ' +
      "and Debian's archive for apt-get install python3-torch python3-sklearn python3-numpy.");
  }
  return Date.now() - started;
}

/** A plan as written in the example's YAML. */
export function examplePlan(file: string): ComputePlan {
  return parse(readFileSync(join(example, file), 'utf8')) as ComputePlan;
}

export const aggregator = 'pd-aggregator';
export const hospitals = ['pd-hospital-1', 'pd-hospital-2', 'pd-hospital-3'];
/** Where the example serves: hospital-1, on the model its own search found best, then the federation's. */
export const servingHospital = hospitals[0]!;

/** One held-out image: 64 pixels (0-16) and its digit. */
export interface HeldOut {
  pixels: number[];
  label: number;
}

export interface DigitsSetup {
  heldOut: HeldOut[];
  members: Record<string, Member>;
}

const algos = [
  { name: 'train', category: 'train', output: 'model', readsData: true },
  { name: 'aggregate', category: 'aggregate', output: 'model', readsData: false },
  { name: 'evaluate', category: 'metric', output: 'performance', readsData: true },
] as const;

function ensureNamespace(name: string): void {
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'tessera.dev/example': 'python-digits' } } }));
}

/** Deletes what an earlier run left (plans with their Jobs, the Predictor) and waits until it is gone. */
export function resetDigits(): void {
  for (const [plan, namespace] of [['digits-fedavg', aggregator], ['digits-search', servingHospital]] as const) {
    kubectl(['delete', 'computeplan', plan, '-n', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']);
  }
  kubectl(['delete', 'predictor', 'digits', '-n', servingHospital, '--ignore-not-found', '--wait=true', '--timeout=120s']);
}

function runDigestOf(pushOutput: string): string {
  const digest = /^run digest (sha256:[a-f0-9]{64})$/m.exec(pushOutput)?.[1];
  if (!digest) throw new Error(`tessera algo push printed no run digest:\n${pushOutput}`);
  return digest;
}

interface AlgoPush {
  name: string;
  category: string;
  /** The script under algos/ the Algo runs. */
  script: string;
  outputs: string[];
}

/** `tessera algo push` of the example's algos/ as `member`: every run gets half a core and 1 GiB. */
function pushAlgo(member: Member, algo: AlgoPush): string {
  const args = ['algo', 'push', join(example, 'algos'), '--name', algo.name, '-n', member.namespace, '--image', digitsImage, '--category', algo.category];
  const sized = [...args, '--cpu', '500m', '--memory', '1Gi', '--command', 'python3', `/tessera/code/${algo.script}`];
  return tessera(algo.outputs.length > 0 ? [...sized, '--output', ...algo.outputs] : sized, member.kubeconfig);
}

/**
 * Namespaces and members; the aggregator's three Algos; the split; each hospital's `digits` Dataset,
 * compute-only for the aggregator with the train and evaluate run digests approved; and hospital-1's
 * `serve` Algo (category predict), which its Predictor runs.
 */
export async function prepareDigits(): Promise<DigitsSetup> {
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-digits-'));
  try {
    const members: Record<string, Member> = {};
    for (const namespace of [aggregator, ...hospitals]) {
      ensureNamespace(namespace);
      members[namespace] = await memberOf(namespace);
    }
    const approved: string[] = [];
    for (const a of algos) {
      const output = pushAlgo(members[aggregator]!, { name: a.name, category: a.category, script: `${a.name}.py`, outputs: [a.output] });
      if (a.readsData) approved.push(runDigestOf(output));
    }
    execFileSync('bash', [join(example, 'prepare-data.sh'), scratch], { stdio: 'pipe', env: { ...process.env, PATH: `${join(repo, 'node_modules', '.bin')}:${process.env.PATH}` } });
    for (const [i, hospital] of hospitals.entries()) {
      const args = ['dataset', 'push', join(scratch, `hospital-${i + 1}`), '--name', 'digits', '-n', hospital, '--authorize', aggregator, '--approve-code', approved.join(',')];
      tessera(args, members[hospital]!.kubeconfig);
    }
    // Hospital-1's own Algos: its search runs train and evaluate in its namespace, its Predictor serve.
    for (const a of algos.filter((x) => x.readsData)) pushAlgo(members[servingHospital]!, { name: a.name, category: a.category, script: `${a.name}.py`, outputs: [a.output] });
    pushAlgo(members[servingHospital]!, { name: 'serve', category: 'predict', script: 'serve.py', outputs: [] });
    const heldOut = JSON.parse(readFileSync(join(scratch, 'test', 'images.json'), 'utf8')) as HeldOut[];
    return { heldOut, members };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The plan as the cluster has it now. */
export function readPlan(namespace: string, name: string): ComputePlan {
  return JSON.parse(kubectl(['get', 'computeplan', name, '-n', namespace, '-o', 'json'])) as ComputePlan;
}

const ended = new Set(['Succeeded', 'Failed', 'Canceled']);

/** Polls the plan until it ends; returns it. */
export async function planEnded(namespace: string, name: string, timeoutMs: number): Promise<ComputePlan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plan = readPlan(namespace, name);
    if (ended.has(plan.status?.phase ?? '')) return plan;
    if (Date.now() > deadline) throw new Error(`plan ${name} did not end within ${timeoutMs} ms: ${JSON.stringify(plan.status?.conditions)} ${plan.status?.progress ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** The mean accuracy the plan's tests reported, round by round (a fedAvg leaderboard). */
export function accuracyByRound(plan: ComputePlan): number[] {
  const rows = (plan.status?.performances ?? []).filter((p) => p.metric === 'accuracy');
  const rounds = [...new Set(rows.map((p) => p.round ?? 0))].sort((a, b) => a - b);
  return rounds.map((round) => {
    const values = rows.filter((p) => p.round === round).map((p) => p.value);
    return values.reduce((sum, v) => sum + v, 0) / values.length;
  });
}

/** The digest of output `output` of the Job that ran `task` for `plan` (in any namespace). */
export function taskOutput(plan: ComputePlan, task: string, output = 'model'): string {
  const list = JSON.parse(kubectl(['get', 'jobs.tessera.dev', '-A', '-l', `tessera.dev/plan-uid=${plan.metadata.uid},tessera.dev/task=${task}`, '-o', 'json'])) as {
    items: Array<{ status?: { phase?: string; outputs?: Array<{ name: string; digest: string }> } }>;
  };
  const job = list.items.find((j) => j.status?.phase === 'Succeeded');
  const digest = job?.status?.outputs?.find((o) => o.name === output)?.digest;
  if (!digest) throw new Error(`no succeeded Job of ${plan.metadata.name}/${task} with output ${output}`);
  return digest;
}

/** The value at quantile q (0-1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
