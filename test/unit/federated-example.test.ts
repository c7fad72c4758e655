import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The example's algos, run by hand the way their pods run them (a /tessera root with inputs and
// outputs), for three rounds of two trainers: the averaged model must get better every round.

const example = fileURLToPath(new URL('../../examples/federated/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tessera-fl-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runAlgo(algo: string, root: string): void {
  execFileSync(process.execPath, [join(example, 'algos', `${algo}.js`)], { env: { ...process.env, TESSERA_ROOT: root }, stdio: 'pipe' });
}

function stage(root: string, inputs: Record<string, string>): string {
  for (const [name, from] of Object.entries(inputs)) cpSync(from, join(root, 'inputs', name), { recursive: true });
  mkdirSync(join(root, 'outputs'), { recursive: true });
  return root;
}

describe('the federated example algos', () => {
  it('improve the aggregated model round after round on data no line separates', () => {
    const orgs = ['b', 'c'].map((org, i) => {
      const data = join(work, `data-${org}`);
      execFileSync(process.execPath, [join(example, 'generate-data.js'), data, String(i + 2)], { stdio: 'pipe' });
      return data;
    });
    let model: string | undefined;
    const accuracy: number[] = [];
    for (let round = 1; round <= 3; round++) {
      const trained = orgs.map((data, i) => {
        const root = stage(join(work, `r${round}-train-${i}`), model ? { data, model } : { data });
        runAlgo('train', root);
        return join(root, 'outputs', 'model');
      });
      const aggregator = stage(join(work, `r${round}-aggregate`), Object.fromEntries(trained.map((dir, i) => [`model-${i}`, dir])));
      runAlgo('aggregate', aggregator);
      model = join(aggregator, 'outputs', 'model');
      const tester = stage(join(work, `r${round}-test`), { data: orgs[0]!, model });
      runAlgo('evaluate', tester);
      accuracy.push((JSON.parse(readFileSync(join(tester, 'outputs', 'performance', 'metrics.json'), 'utf8')) as { accuracy: number }).accuracy);
    }
    expect(accuracy[1]).toBeGreaterThan(accuracy[0]!);
    expect(accuracy[2]).toBeGreaterThan(accuracy[1]!);
    // Not trivially separable: far from perfect, far from chance.
    expect(accuracy[2]).toBeLessThan(0.95);
    expect(accuracy[2]).toBeGreaterThan(0.6);
  });
});
