import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { argoCases, argocdConfigMap, argoKinds, healthScript, renderArgoFiles } from '../../scripts/health/argocd-files.ts';
import { healthCases, staleGeneration, type HealthCase } from '../support/health-cases.ts';
import { customizationsDir, healthBinary, runHealth, verdictsOf, type ToolVerdicts } from '../support/health.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// Tessera's status is what GitOps tools read: kstatus (Flux, kpt, cli-utils' waits) and the Argo CD
// health checks shipped in deploy/argocd/. Every phase of every kind, its status made by the
// operator's own builders (test/support/health-cases.ts), goes through scripts/health — kstatus'
// status.Compute and the health.lua run as Argo CD runs it — and must get the verdict its phase
// means: Failed/Degraded for a failure only someone can fix, InProgress/Progressing while it moves,
// Current/Healthy once done. In this tier because it needs a built part (scripts/build-parts.sh health),
// as the chart's tests need helm; it does not touch the cluster.

beforeAll(() => awaitLatePart('health'), latePartWaitMs);

const all = healthCases();
const deployDir = fileURLToPath(new URL('../../deploy/argocd', import.meta.url));

function expectVerdicts(cases: readonly HealthCase[], verdicts: readonly ToolVerdicts[]): void {
  expect(verdicts).toHaveLength(cases.length);
  cases.forEach((c, i) => {
    const got = verdicts[i]!;
    const what = `${got.kind} ${c.name}: ${JSON.stringify(got)}`;
    expect(got.error, what).toBeUndefined();
    expect(got.kstatus?.status, what).toBe(c.kstatus);
    expect(got.argocd?.status, what).toBe(c.argocd);
    if (c.reason) expect(got.argocd?.message, what).toMatch(new RegExp(`^${c.reason}: `));
  });
}

/** Every file under `dir`, by path relative to `root`. */
function filesUnder(dir: string, root: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('kstatus and Argo CD verdicts on every phase', () => {
  it('has the health part built (scripts/build-parts.sh health)', () => {
    expect(existsSync(healthBinary()), `no ${healthBinary()}: run scripts/build-parts.sh health`).toBe(true);
  });

  it.each(argoKinds.map((kind) => [kind, all[kind]] as const))('gives every %s phase the verdict it means', (_kind, cases) => {
    expectVerdicts(cases, verdictsOf(cases.map((c) => c.object)));
  });

  it.each(argoKinds.map((kind) => [kind, all[kind]] as const))('reads a %s whose spec change is not yet observed as in progress, whatever its phase', (_kind, cases) => {
    const stale = cases.filter((c) => c.kstatus !== 'Terminating').map(staleGeneration);
    expectVerdicts(stale, verdictsOf(stale.map((c) => c.object)));
    for (const verdict of verdictsOf(stale.map((c) => c.object))) {
      expect(verdict.kstatus?.message).toMatch(/generation is \d+, but latest observed generation is \d+/);
      expect(verdict.argocd?.message).toMatch(/^Waiting for the Tessera operator to observe generation \d+$/);
    }
  });

  it('reads a kind the operator has not reported on yet as Progressing in Argo CD (kstatus cannot tell it from a resource without status)', () => {
    const [fresh] = verdictsOf([{ ...all.Job[0]!.object, status: undefined }]);
    expect(fresh?.argocd).toEqual({ status: 'Progressing', message: 'Waiting for the Tessera operator to report a status' });
    // kstatus' documented corner: no conditions and no observedGeneration read as Current.
    expect(fresh?.kstatus?.status).toBe('Current');
  });

  it('reads a failed Job or plan whose status an older operator wrote (Failed True, Stalled False) as Degraded in Argo CD', () => {
    const legacy = [all.Job.find((c) => c.name === 'failed-oomkilled')!, all.ComputePlan.find((c) => c.name === 'failed-taskfailed')!].map((c) => {
      const object = structuredClone(c.object);
      for (const condition of object.status?.conditions ?? []) if (condition.type === 'Stalled') condition.status = 'False';
      return object;
    });
    expect(verdictsOf(legacy).map((v) => v.argocd?.status)).toEqual(['Degraded', 'Degraded']);
  });

  it('never has Stalled and Reconciling both True, except a plan whose Jobs still run beside a missing dependency', () => {
    const both = argoKinds.flatMap((kind) =>
      all[kind].filter((c) => ['Stalled', 'Reconciling'].every((type) => c.object.status?.conditions?.some((cond) => cond.type === type && cond.status === 'True'))).map((c) => `${kind} ${c.name}`),
    );
    expect(both).toEqual(['ComputePlan running-dependencynotfound']);
  });
});

describe('deploy/argocd', () => {
  it("passes Argo CD's own test cases (health_test.yaml), with and without the standard libraries", () => {
    const result = runHealth(['--argocd-tests', customizationsDir]);
    expect(result.stderr + result.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    const cases = argoCases().reduce((n, [, c]) => n + c.length, 0);
    expect(result.stdout).toContain(`${cases * 2} passed, 0 failed`);
    expect(result.status).toBe(0);
  });

  it('fails a health_test.yaml case whose expected health is wrong', () => {
    // The runner itself must be able to fail: a succeeded Job said to be Degraded is reported.
    const dir = mkdtempSync(join(tmpdir(), 'argocd-tests-'));
    const kindDir = join(dir, 'tessera.dev/Job');
    mkdirSync(join(kindDir, 'testdata'), { recursive: true });
    copyFileSync(join(customizationsDir, 'tessera.dev/Job/health.lua'), join(kindDir, 'health.lua'));
    writeFileSync(join(kindDir, 'testdata/succeeded.yaml'), stringify(all.Job.find((c) => c.name === 'succeeded')!.object));
    writeFileSync(join(kindDir, 'health_test.yaml'), stringify({ tests: [{ healthStatus: { status: 'Degraded', message: 'Completed: the run succeeded' }, inputPath: 'testdata/succeeded.yaml' }] }));
    const result = runHealth(['--argocd-tests', dir]);
    rmSync(dir, { recursive: true });
    expect(result.stdout).toMatch(/FAIL tessera\.dev\/Job\/testdata\/succeeded\.yaml/);
    expect(result.status).toBe(1);
  });

  it('is current: argocd-cm.yaml carries each health.lua, and the test cases are what the builders and scripts give now', () => {
    const rendered = renderArgoFiles(customizationsDir, verdictsOf);
    const stale = [...rendered].filter(([path, content]) => !existsSync(join(deployDir, path)) || readFileSync(join(deployDir, path), 'utf8') !== content).map(([path]) => path);
    const orphans = filesUnder(deployDir, deployDir).filter((path) => path.includes('/testdata/') && !rendered.has(path));
    expect([...stale, ...orphans], 'run `node scripts/health/write-argocd.ts` and commit the result').toEqual([]);
    const configMap = parse(argocdConfigMap(customizationsDir)) as { data: Record<string, string> };
    for (const kind of argoKinds) expect(configMap.data[`resource.customizations.health.tessera.dev_${kind}`]).toBe(healthScript(customizationsDir, kind));
  });
});
