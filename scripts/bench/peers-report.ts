// The peers benchmark's pure parts: the Argo Workflows it submits, the keys that tie a pod to its
// task on either side, the timings drawn from what the watches saw, rclone's own stats, and the
// side-by-side tables. No I/O here, so all of it is unit-tested (test/unit/bench-peers-report.test.ts).

/** A task of a DAG: its name and the one task it waits for. */
export interface DagTask {
  name: string;
  parent?: string;
}

/** What every simulated pod of the benchmark is, on either side: kwok runs it for `runFor`. */
export interface PodShape {
  image: string;
  runFor: string;
  cpu: string;
  memory: string;
}

const simRunFor = 'sim.tessera.dev/run-for';

function stepTemplate(name: string, pod: PodShape): Record<string, unknown> {
  return {
    name,
    // Template metadata lands on the pod: kwok's stages read the run time from there.
    metadata: { annotations: { [simRunFor]: pod.runFor } },
    container: { image: pod.image, command: ['run'], resources: { requests: { cpu: pod.cpu, memory: pod.memory }, limits: { cpu: pod.cpu, memory: pod.memory } } },
  };
}

/** An Argo Workflow of one pod: the peer of one Tessera Job. */
export function singlePodWorkflow(name: string, pod: PodShape): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name },
    spec: { entrypoint: 'main', templates: [stepTemplate('main', pod)] },
  };
}

/** An Argo Workflow running `tasks` as one DAG, each task one pod after its parent: the peer of one ComputePlan. */
export function dagWorkflow(name: string, tasks: readonly DagTask[], pod: PodShape): Record<string, unknown> {
  const dagTasks = tasks.map((t) => (t.parent ? { name: t.name, template: 'step', dependencies: [t.parent] } : { name: t.name, template: 'step' }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name },
    spec: { entrypoint: 'dag', templates: [{ name: 'dag', dag: { tasks: dagTasks } }, stepTemplate('step', pod)] },
  };
}

interface PodMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * Which task a pod runs: a plan's task or a Tessera Job's name from Tessera's labels; from Argo's
 * node name otherwise (`<workflow>` for a one-pod workflow, `<workflow>.<task>` inside a DAG).
 */
export function podTaskKey(meta: PodMeta): string | undefined {
  const tessera = meta.labels?.['tessera.dev/task'] ?? meta.labels?.['tessera.dev/job'];
  if (tessera) return tessera;
  const node = meta.annotations?.['workflows.argoproj.io/node-name'];
  if (!node) return undefined;
  const dot = node.indexOf('.');
  return dot < 0 ? node : node.slice(dot + 1);
}

/** When each task was submitted, its pod first seen, and its pod first seen Succeeded (ms, one clock). */
export interface Sightings {
  submitted: Map<string, number>;
  podCreated: Map<string, number>;
  podSucceeded: Map<string, number>;
}

export function emptySightings(): Sightings {
  return { submitted: new Map(), podCreated: new Map(), podSucceeded: new Map() };
}

/** Records one pod event at `now`; the first sighting of each kind wins (a retried pod does not move it). */
export function sightPod(sightings: Sightings, key: string, phase: string | undefined, now: number): void {
  if (!sightings.podCreated.has(key)) sightings.podCreated.set(key, now);
  if (phase === 'Succeeded' && !sightings.podSucceeded.has(key)) sightings.podSucceeded.set(key, now);
}

/**
 * Dispatch latency of each task, in ms: a task with a parent waits from its parent's pod seen
 * Succeeded to its own pod seen; a task without one from its submission to its pod seen. Tasks whose
 * endpoints were not both seen are left out (the count says how many were).
 */
export function dispatchLatencies(tasks: readonly DagTask[], s: Sightings): number[] {
  return tasks.flatMap((t) => {
    const from = t.parent ? s.podSucceeded.get(t.parent) : s.submitted.get(t.name);
    const to = s.podCreated.get(t.name);
    return from !== undefined && to !== undefined ? [to - from] : [];
  });
}

/** The p-th percentile (nearest rank below), NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Where an Argo Workflow, a Tessera Job or a ComputePlan stands, read from its status. */
export function terminalPhase(object: { status?: { phase?: string } }): 'Succeeded' | 'Failed' | undefined {
  const phase = object.status?.phase;
  if (phase === 'Succeeded') return 'Succeeded';
  // Argo's Error is a failure too.
  if (phase === 'Failed' || phase === 'Error') return 'Failed';
  return undefined;
}

/** One side's figures for one scenario. */
export interface RunFigures {
  makespanS: number;
  dispatchMs: number[];
  tasks: number;
  succeeded: number;
  apiserverCpuS: number;
  /** CPU seconds of the workflow engine itself: Tessera's operator or Argo's controller. */
  controllerCpuS: number;
  controllerPeakRssBytes: number;
  /** Every component's CPU seconds in the run (apiserver, etcd, scheduler, kwok, …). */
  cpu: Map<string, number>;
}

const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const mib = (bytes: number): string => `${fixed(bytes / 2 ** 20, 0)} MiB`;

/** The side-by-side rows of one scenario: figure | tessera | argo | tessera/argo | target. */
export function scenarioRows(tessera: RunFigures, argo: RunFigures): string[][] {
  const p = (f: RunFigures, q: number): number => percentile(f.dispatchMs, q);
  return [
    ['tasks succeeded', `${tessera.succeeded}/${tessera.tasks}`, `${argo.succeeded}/${argo.tasks}`, '-', 'all'],
    ['makespan', `${fixed(tessera.makespanS)} s`, `${fixed(argo.makespanS)} s`, ratio(tessera.makespanS, argo.makespanS), '<= 0.80x'],
    ['dispatch p50', `${fixed(p(tessera, 50), 0)} ms`, `${fixed(p(argo, 50), 0)} ms`, ratio(p(tessera, 50), p(argo, 50)), '-'],
    ['dispatch p99', `${fixed(p(tessera, 99), 0)} ms`, `${fixed(p(argo, 99), 0)} ms`, ratio(p(tessera, 99), p(argo, 99)), '-'],
    ['apiserver CPU', `${fixed(tessera.apiserverCpuS)} s`, `${fixed(argo.apiserverCpuS)} s`, ratio(tessera.apiserverCpuS, argo.apiserverCpuS), '< 1.00x'],
    ['controller CPU', `${fixed(tessera.controllerCpuS)} s`, `${fixed(argo.controllerCpuS)} s`, ratio(tessera.controllerCpuS, argo.controllerCpuS), '-'],
    ['controller peak RSS', mib(tessera.controllerPeakRssBytes), mib(argo.controllerPeakRssBytes), ratio(tessera.controllerPeakRssBytes, argo.controllerPeakRssBytes), '-'],
  ];
}

/** Whether a scenario met its targets: makespan ≤ 0.8× Argo's with less apiserver CPU, every task done. */
export function scenarioVerdict(tessera: RunFigures, argo: RunFigures): string {
  const misses: string[] = [];
  if (tessera.succeeded < tessera.tasks || argo.succeeded < argo.tasks) misses.push('not every task succeeded');
  if (!(tessera.makespanS <= 0.8 * argo.makespanS)) misses.push(`makespan ${ratio(tessera.makespanS, argo.makespanS)} of Argo's (target <= 0.80x)`);
  if (!(tessera.apiserverCpuS < argo.apiserverCpuS)) misses.push(`apiserver CPU ${ratio(tessera.apiserverCpuS, argo.apiserverCpuS)} of Argo's (target < 1.00x)`);
  return misses.length ? `missed: ${misses.join('; ')}` : 'met';
}

/** CPU seconds by component, both sides: the components either side used at least 0.05 s of. */
export function cpuRows(tessera: Map<string, number>, argo: Map<string, number>): string[][] {
  const names = [...new Set([...tessera.keys(), ...argo.keys()])].filter((n) => (tessera.get(n) ?? 0) + (argo.get(n) ?? 0) >= 0.05).sort();
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  return [...names.map((n) => [n, fixed(tessera.get(n) ?? 0), fixed(argo.get(n) ?? 0)]), ['all', fixed(sum(tessera)), fixed(sum(argo))]];
}

/** rclone's end-of-run accounting, from its JSON log (`--use-json-log --stats-log-level NOTICE`). */
export interface RcloneStats {
  bytes: number;
  transfers: number;
  errors: number;
}

/** The last stats line of an rclone JSON log; throws when there is none (rclone died before reporting). */
export function rcloneStats(log: string): RcloneStats {
  let last: RcloneStats | undefined;
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { stats?: Partial<RcloneStats> };
    try {
      entry = JSON.parse(line) as { stats?: Partial<RcloneStats> };
    } catch {
      continue;
    }
    if (entry.stats) last = { bytes: Number(entry.stats.bytes ?? NaN), transfers: Number(entry.stats.transfers ?? NaN), errors: Number(entry.stats.errors ?? NaN) };
  }
  if (!last) throw new Error(`rclone reported no stats; its log ends:\n${log.slice(-2000)}`);
  return last;
}

/** One direction of one tree, as each mover did it. */
export interface TransferFigures {
  tree: string;
  direction: 'push' | 'pull';
  bytes: number;
  tesseraS: number;
  rcloneS: number;
  tesseraCpuS?: number;
  rcloneCpuS?: number;
  tesseraRssBytes?: number;
  rcloneRssBytes?: number;
}

const mbps = (bytes: number, seconds: number): string => `${fixed(bytes / 1e6 / seconds)} MB/s`;

/** tree | direction | tessera MB/s | rclone MB/s | tessera/rclone | CPU s | peak RSS | target (>= 1.00x). */
export function transferRows(figures: readonly TransferFigures[]): string[][] {
  const opt = (n: number | undefined, f: (n: number) => string): string => (n === undefined ? '-' : f(n));
  return figures.map((f) => [
    f.tree,
    f.direction,
    mbps(f.bytes, f.tesseraS),
    mbps(f.bytes, f.rcloneS),
    ratio(f.rcloneS, f.tesseraS),
    `${opt(f.tesseraCpuS, fixed)} / ${opt(f.rcloneCpuS, fixed)}`,
    `${opt(f.tesseraRssBytes, mib)} / ${opt(f.rcloneRssBytes, mib)}`,
    '>= 1.00x',
  ]);
}

/** A table as the other benches print theirs: a header line, then one `a | b | c` line per row. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.join(' | ')).join('\n');
}
