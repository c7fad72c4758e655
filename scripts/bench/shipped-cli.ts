import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The tessera command as the image runs it: src/cli/main.ts bundled by scripts/bundle-cli.sh --split, which
// is what operators and movers start from in a cluster. Benches measure that build;
// TESSERA_BENCH_FROM_SOURCE=1 measures the .ts sources instead (what the tests and a checkout run).

const repo = fileURLToPath(new URL('../../', import.meta.url));
let built: string | undefined;

/** The command to run a measured operator or mover from, and how the bench names it. */
export function benchCli(): { path: string; label: string } {
  if (process.env.TESSERA_BENCH_FROM_SOURCE === '1') return { path: join(repo, 'src/cli/main.ts'), label: 'the .ts sources (TESSERA_BENCH_FROM_SOURCE=1)' };
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-cli-'));
    execFileSync('sh', [join(repo, 'scripts/bundle-cli.sh'), '--split', dir], { stdio: 'inherit' });
    built = join(dir, 'tessera.mjs');
  }
  return { path: built, label: 'the bundle the image runs (scripts/bundle-cli.sh --split)' };
}
