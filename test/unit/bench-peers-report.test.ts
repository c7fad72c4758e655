import { describe, expect, it } from 'vitest';
import {
  cpuRows,
  dagWorkflow,
  dispatchLatencies,
  emptySightings,
  percentile,
  podTaskKey,
  rcloneStats,
  scenarioRows,
  scenarioVerdict,
  sightPod,
  singlePodWorkflow,
  table,
  terminalPhase,
  transferRows,
  type RunFigures,
} from '../../scripts/bench/peers-report.ts';

const pod = { image: 'local/sim:1', runFor: '500ms', cpu: '10m', memory: '16Mi' };

interface Template {
  name: string;
  metadata?: { annotations: Record<string, string> };
  container?: { image: string; command: string[]; resources: { requests: Record<string, string> } };
  dag?: { tasks: unknown[] };
}
interface Workflow {
  metadata: { name: string };
  spec: { entrypoint: string; templates: Template[] };
}

function figures(over: Partial<RunFigures>): RunFigures {
  return { makespanS: 10, dispatchMs: [100, 200, 300], tasks: 3, succeeded: 3, apiserverCpuS: 20, controllerCpuS: 5, controllerPeakRssBytes: 100 * 2 ** 20, cpu: new Map(), ...over };
}

describe('the Argo Workflows the peers bench submits', () => {
  it('runs one pod for a one-pod workflow, with kwok’s run time on the pod and a command (no image lookup)', () => {
    const wf = singlePodWorkflow('bench-3', pod) as unknown as Workflow;
    expect(wf.metadata.name).toBe('bench-3');
    expect(wf.spec.templates).toHaveLength(1);
    const [main] = wf.spec.templates;
    expect(wf.spec.entrypoint).toBe(main!.name);
    expect(main?.metadata?.annotations['sim.tessera.dev/run-for']).toBe('500ms');
    expect(main?.container?.command).toEqual(['run']);
    expect(main?.container?.resources.requests).toEqual({ cpu: '10m', memory: '16Mi' });
  });

  it('gives each DAG task its parent as its one dependency, and roots none', () => {
    const wf = dagWorkflow('bench', [{ name: 't0' }, { name: 't1', parent: 't0' }, { name: 't2', parent: 't0' }], pod) as unknown as Workflow;
    const dag = wf.spec.templates.find((t) => t.name === wf.spec.entrypoint);
    expect(dag?.dag?.tasks).toEqual([
      { name: 't0', template: 'step' },
      { name: 't1', template: 'step', dependencies: ['t0'] },
      { name: 't2', template: 'step', dependencies: ['t0'] },
    ]);
    expect(wf.spec.templates.find((t) => t.name === 'step')?.container?.image).toBe('local/sim:1');
  });
});

describe('podTaskKey', () => {
  it('reads a plan task, then a Tessera Job, from Tessera’s labels', () => {
    expect(podTaskKey({ labels: { 'tessera.dev/task': 'l1-t3', 'tessera.dev/job': 'bench-l1-t3' } })).toBe('l1-t3');
    expect(podTaskKey({ labels: { 'tessera.dev/job': 'bench-7' } })).toBe('bench-7');
  });

  it('reads Argo’s node name: the workflow for a one-pod workflow, the task inside a DAG', () => {
    expect(podTaskKey({ annotations: { 'workflows.argoproj.io/node-name': 'bench-7' } })).toBe('bench-7');
    expect(podTaskKey({ annotations: { 'workflows.argoproj.io/node-name': 'bench.l0-t12' } })).toBe('l0-t12');
  });

  it('knows nothing of other pods', () => {
    expect(podTaskKey({ labels: { app: 'x' } })).toBeUndefined();
  });
});

describe('dispatch latencies', () => {
  it('times a child from its parent’s pod seen Succeeded, a root from its submission; first sightings win', () => {
    const s = emptySightings();
    s.submitted.set('t0', 1000);
    sightPod(s, 't0', 'Pending', 1100);
    sightPod(s, 't0', 'Succeeded', 1700);
    sightPod(s, 't0', 'Succeeded', 1900);
    sightPod(s, 't1', undefined, 1750);
    sightPod(s, 't1', 'Pending', 1800);
    expect(dispatchLatencies([{ name: 't0' }, { name: 't1', parent: 't0' }], s)).toEqual([100, 50]);
  });

  it('leaves out a task whose endpoints were not both seen', () => {
    const s = emptySightings();
    sightPod(s, 't1', 'Pending', 10);
    expect(dispatchLatencies([{ name: 't0' }, { name: 't1', parent: 't0' }], s)).toEqual([]);
  });

  it('takes percentiles by nearest rank, NaN of nothing', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(51);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('terminalPhase', () => {
  it('ends on Succeeded, and on Failed or Argo’s Error as a failure', () => {
    expect(terminalPhase({ status: { phase: 'Succeeded' } })).toBe('Succeeded');
    expect(terminalPhase({ status: { phase: 'Error' } })).toBe('Failed');
    expect(terminalPhase({ status: { phase: 'Failed' } })).toBe('Failed');
    expect(terminalPhase({ status: { phase: 'Running' } })).toBeUndefined();
    expect(terminalPhase({})).toBeUndefined();
  });
});

describe('the side-by-side tables', () => {
  it('prints each figure for both engines with Tessera/Argo ratios', () => {
    const rows = scenarioRows(figures({ makespanS: 8 }), figures({ makespanS: 16, apiserverCpuS: 40, dispatchMs: [200, 400, 600] }));
    expect(rows.find((r) => r[0] === 'makespan')).toEqual(['makespan', '8.0 s', '16.0 s', '0.50x', '<= 0.80x']);
    expect(rows.find((r) => r[0] === 'apiserver CPU')?.[3]).toBe('0.50x');
    expect(rows.find((r) => r[0] === 'dispatch p50')?.slice(1, 4)).toEqual(['200 ms', '400 ms', '0.50x']);
    expect(rows.find((r) => r[0] === 'controller peak RSS')?.[1]).toBe('100 MiB');
  });

  it('says which targets a scenario met or missed, and why', () => {
    expect(scenarioVerdict(figures({ makespanS: 8, apiserverCpuS: 10 }), figures({ makespanS: 10, apiserverCpuS: 20 }))).toBe('met');
    const missed = scenarioVerdict(figures({ makespanS: 9, apiserverCpuS: 30 }), figures({ makespanS: 10, apiserverCpuS: 20 }));
    expect(missed).toContain('makespan 0.90x');
    expect(missed).toContain('apiserver CPU 1.50x');
    expect(scenarioVerdict(figures({ succeeded: 2, makespanS: 1, apiserverCpuS: 1 }), figures({}))).toContain('not every task succeeded');
  });

  it('lists components either side spent CPU on, with totals', () => {
    const rows = cpuRows(new Map([['kube-apiserver', 10], ['controller', 2], ['idle', 0.01]]), new Map([['kube-apiserver', 5], ['etcd', 1]]));
    expect(rows).toEqual([
      ['controller', '2.0', '0.0'],
      ['etcd', '0.0', '1.0'],
      ['kube-apiserver', '10.0', '5.0'],
      ['all', '12.0', '6.0'],
    ]);
  });

  it('prints MB/s of both movers and Tessera’s speed relative to rclone’s', () => {
    const [row] = transferRows([{ tree: '1 × 1 GiB', direction: 'pull', bytes: 1e9, tesseraS: 2, rcloneS: 4, tesseraCpuS: 3, rcloneCpuS: undefined, tesseraRssBytes: 2 ** 26 }]);
    expect(row).toEqual(['1 × 1 GiB', 'pull', '500.0 MB/s', '250.0 MB/s', '2.00x', '3.0 / -', '64 MiB / -', '>= 1.00x']);
    expect(table(['a', 'b'], [['1', '2']])).toBe('a | b\n1 | 2');
  });
});

describe('rcloneStats', () => {
  const line = (stats: Record<string, unknown>): string => JSON.stringify({ level: 'notice', msg: '\nTransferred: …', stats });

  it('reads the last stats line of rclone’s JSON log', () => {
    const log = ['{"level":"info","msg":"Copied (new)","size":5000}', line({ bytes: 1, transfers: 1, errors: 0 }), line({ bytes: 1005000, transfers: 2, errors: 1 }), ''].join('\n');
    expect(rcloneStats(log)).toEqual({ bytes: 1005000, transfers: 2, errors: 1 });
  });

  it('skips lines that are not JSON and throws when rclone reported nothing', () => {
    expect(rcloneStats(`panic: oops\n${line({ bytes: 3, transfers: 1, errors: 0 })}`)).toEqual({ bytes: 3, transfers: 1, errors: 0 });
    expect(() => rcloneStats('Failed to copy: access denied\n{not json')).toThrow(/no stats/);
  });
});
