import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { useNamespace } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';

// The generated CRDs on a real API server: it accepts them as structural, serves them under their
// short names and the tessera category, and rejects bad objects itself with messages people can
// read, before any controller sees them. No operator runs here.

const ns = useNamespace(import.meta.filename);
const generator = fileURLToPath(new URL('../../scripts/generate-crds.ts', import.meta.url));
const crdNames = ['datasets', 'algos', 'jobs', 'computeplans'].map((plural) => `${plural}.tessera.dev`);

beforeAll(() => installCrds());

function job(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Job', metadata: { name }, spec });
}

/** What the API server said when it refused `manifest`; fails the test if it was accepted. */
function rejection(manifest: string): string {
  try {
    kubectlApply(ns.name, manifest);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`the API server accepted:\n${manifest}`);
}

interface CrdStatus {
  status: { conditions: Array<{ type: string; status: string; message: string }> };
}

describe('the Tessera CRDs', () => {
  it('are what src/api generates (crds/ is not stale)', () => {
    expect(() => execFileSync(process.execPath, [generator, '--check'], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('are accepted as structural, with names that conflict with nothing', () => {
    for (const name of crdNames) {
      const conditions = (JSON.parse(kubectl(['get', 'crd', name, '-o', 'json'])) as CrdStatus).status.conditions;
      const status = Object.fromEntries(conditions.map((c) => [c.type, c.status]));
      expect(status, name).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
      expect(status.NonStructuralSchema, name).toBeUndefined();
    }
  });
});

describe('a Job', () => {
  beforeAll(() => {
    kubectlApply(ns.name, job('valid', { image: 'local/sim:1', resources: { cpu: '500m', memory: '4Gi', gpu: 2 } }));
  });

  it('that is valid is accepted, with retries defaulted to 0', () => {
    const stored = kubectlGet<{ spec: Record<string, unknown> }>(ns.name, 'jobs.tessera.dev', 'valid');
    expect(stored.spec).toMatchObject({ image: 'local/sim:1', retries: 0, resources: { cpu: '500m', memory: '4Gi', gpu: 2 } });
  });

  it('is listed by the tessera category and the tj short name, with its printer columns', () => {
    expect(kubectl(['get', 'tessera', '-n', ns.name])).toMatch(/job\.tessera\.dev\/valid/);
    const table = kubectl(['get', 'tj', '-n', ns.name]);
    expect(table).toMatch(/^NAME\s+PHASE\s+REASON\s+GPUS\s+NODE\s+ATTEMPTS\s+AGE/);
    expect(table).toMatch(/^valid\s+2\s+/m);
  });

  const invalid: Array<{ name: string; spec: Record<string, unknown>; wantError: RegExp }> = [
    { name: 'negative-gpu', spec: { image: 'x', resources: { gpu: -1 } }, wantError: /spec\.resources\.gpu: Invalid value: -1: .*greater than or equal to 0/ },
    { name: 'too-many-gpus', spec: { image: 'x', resources: { gpu: 65 } }, wantError: /spec\.resources\.gpu: Invalid value: 65: .*less than or equal to 64/ },
    { name: 'cpu-lots', spec: { image: 'x', resources: { cpu: 'lots' } }, wantError: /spec\.resources\.cpu: Invalid value: "lots": .*should match/ },
    { name: 'negative-memory', spec: { image: 'x', resources: { memory: -1 } }, wantError: /spec\.resources\.memory: Invalid value: -1/ },
    { name: 'both', spec: { image: 'x', algoRef: { name: 'train' } }, wantError: /spec: Invalid value: "object": exactly one of spec\.image or spec\.algoRef must be set/ },
    { name: 'neither', spec: { retries: 1 }, wantError: /exactly one of spec\.image or spec\.algoRef must be set/ },
    { name: 'retries', spec: { image: 'x', retries: 21 }, wantError: /spec\.retries: Invalid value: 21/ },
    {
      name: 'toleration',
      spec: { image: 'x', tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] },
      wantError: /spec\.tolerations\[0\]: Invalid value: "object": a toleration with operator Exists must not set value/,
    },
  ];
  for (const c of invalid) {
    it(`is rejected by the API server: ${c.name}`, () => {
      expect(rejection(job(c.name, c.spec))).toMatch(c.wantError);
    });
  }

  it('is rejected when its name cannot be a label value', () => {
    expect(rejection(job('x'.repeat(64), { image: 'x' }))).toMatch(/metadata\.name must be at most 63 characters/);
  });

  it('cannot have its cancel undone', () => {
    kubectlApply(ns.name, job('canceled', { image: 'x', cancel: true }));
    expect(rejection(job('canceled', { image: 'x', cancel: false }))).toMatch(/spec\.cancel: Invalid value: "object": spec\.cancel cannot be undone/);
  });

  it('refuses a status reason that is not PascalCase', () => {
    const patch = JSON.stringify({ status: { phase: 'Failed', reason: 'out of memory' } });
    expect(() => kubectl(['patch', '-n', ns.name, 'jobs.tessera.dev', 'valid', '--subresource=status', '--type=merge', '-p', patch])).toThrow(
      /status\.reason: Invalid value: "out of memory": .*should match '\^\[A-Z\]/,
    );
  });

  it('takes a status with conditions as the controller writes them', () => {
    const at = new Date().toISOString();
    const ready = { type: 'Ready', status: 'False', reason: 'Running', message: 'running on node-1', lastTransitionTime: at, observedGeneration: 1 };
    const patch = JSON.stringify({ status: { phase: 'Running', reason: 'Running', startTime: at, attempts: 1, nodeName: 'node-1', conditions: [ready] } });
    kubectl(['patch', '-n', ns.name, 'jobs.tessera.dev', 'valid', '--subresource=status', '--type=merge', '-p', patch]);
    expect(kubectl(['get', 'tj', '-n', ns.name, 'valid'])).toMatch(/valid\s+Running\s+Running\s+2\s+node-1\s+1\s+/);
  });
});

describe('the other kinds', () => {
  const digest = `sha256:${'a'.repeat(64)}`;

  it('are accepted when valid and listed by the tessera category', () => {
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'mnist' }, spec: { source: { fileSet: { digest } } } }));
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'train' }, spec: { image: 'x', category: 'train' } }));
    const task = { name: 't1', algoRef: { name: 'train' }, inputs: [{ name: 'data', datasetRef: { name: 'mnist' } }] };
    kubectlApply(ns.name, stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'plan' }, spec: { tasks: [task] } }));
    const listed = kubectl(['get', 'tessera', '-n', ns.name]);
    for (const name of ['dataset.tessera.dev/mnist', 'algo.tessera.dev/train', 'computeplan.tessera.dev/plan']) expect(listed).toContain(name);
    expect(kubectl(['get', 'tds,algo,cplan', '-n', ns.name])).toMatch(/mnist[\s\S]*train[\s\S]*plan/);
  });

  it('reject a Dataset with two sources', () => {
    const manifest = stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'two' }, spec: { source: { fileSet: { digest }, url: 'https://example.com/x' } } });
    expect(rejection(manifest)).toMatch(/spec\.source: Invalid value: "object": exactly one of spec\.source\.fileSet, spec\.source\.prefix or spec\.source\.url/);
  });

  it('keep ComputePlan tasks append-only', () => {
    const plan = (tasks: unknown[]): string => stringify({ apiVersion: 'tessera.dev/v1alpha1', kind: 'ComputePlan', metadata: { name: 'plan' }, spec: { tasks } });
    const t1 = { name: 't1', algoRef: { name: 'train' }, inputs: [{ name: 'data', datasetRef: { name: 'mnist' } }] };
    const t2 = { name: 't2', algoRef: { name: 'train' }, inputs: [{ name: 'data', taskOutput: { task: 't1', output: 'model' } }] };
    kubectlApply(ns.name, plan([t1, t2]));
    expect(rejection(plan([{ ...t1, algoRef: { name: 'other' } }, t2]))).toMatch(/spec\.tasks\[0\]: Invalid value: "object": a task cannot change once added/);
    expect(rejection(plan([t1]))).toMatch(/spec\.tasks: Invalid value: "array": tasks can be appended to a plan, never removed/);
  });
});
