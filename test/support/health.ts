import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { toolBinary } from './late-parts.ts';

// scripts/health, as built by scripts/build-parts.sh (the `health` part): kstatus' and Argo CD's
// verdicts on objects, computed by those projects' own code.

/** deploy/argocd/resource_customizations: the Argo CD health checks, one directory per kind. */
export const customizationsDir = fileURLToPath(new URL('../../deploy/argocd/resource_customizations', import.meta.url));

/** The health binary for the current sources of scripts/health. */
export function healthBinary(): string {
  return toolBinary('health');
}

/** What the health tool says of one object. */
export interface ToolVerdicts {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  kstatus: { status: string; message: string } | null;
  argocd: { status: string; message?: string; deletionMessage?: string } | null;
  error?: string;
}

/** Runs the health binary with `args` and `input` on stdin; fails with how to build it when it is missing. */
export function runHealth(args: string[], input = ''): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(healthBinary(), args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`the health tool did not run (${healthBinary()}); build it with scripts/build-parts.sh health`, { cause: result.error });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** kstatus' and Argo CD's verdicts on each object, in order. */
export function verdictsOf(objects: readonly object[]): ToolVerdicts[] {
  const result = runHealth(['--lua', customizationsDir], objects.map((o) => JSON.stringify(o)).join('\n'));
  if (result.status !== 0) throw new Error(`health failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as ToolVerdicts);
}
