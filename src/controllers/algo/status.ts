import { AlgoConditionType, type Algo, type AlgoStatus } from '../../api/algo.ts';
import { mergeConditions } from '../shared/conditions.ts';
import { runDigest } from '../shared/run-digest.ts';

// An Algo is Ready when Jobs can run it: its spec is valid and its code file set (if any) is in the
// store and held by its namespace (pushed there, not lent by a plan). Pure: the reconciler checks the
// store and says what it found. status.runDigest is what a Dataset's owner approves to let it run.

/** Why an Algo is (not) Ready. */
export const AlgoReason = {
  Ready: 'Ready',
  InvalidSpec: 'InvalidSpec',
  CodeNotFound: 'CodeNotFound',
  Unauthorized: 'Unauthorized',
} as const;

/** What the reconciler found out about an Algo's code. */
export type CodeCheck = 'none' | 'ok' | 'missing' | 'ungranted';

/** The one problem that keeps an Algo from being Ready, or undefined. */
function problem(check: CodeCheck, digest: string | undefined, specProblem: string | undefined): { reason: string; message: string } | undefined {
  if (specProblem) return { reason: AlgoReason.InvalidSpec, message: specProblem };
  if (check === 'missing') return { reason: AlgoReason.CodeNotFound, message: `no file set ${digest} in the store; push it with \`tessera algo push\`` };
  if (check === 'ungranted') return { reason: AlgoReason.Unauthorized, message: `the file set ${digest} was never pushed to this namespace` };
  return undefined;
}

/** The status an Algo should have; `specProblem` is a readable schema error, if any. */
export function algoStatus(algo: Readonly<Algo>, check: CodeCheck, specProblem: string | undefined, now: Date): AlgoStatus {
  const generation = algo.metadata.generation;
  const found = problem(check, algo.spec.code?.digest, specProblem);
  const ready = found ?? { reason: AlgoReason.Ready, message: `runs ${algo.spec.image}` };
  const conditions = mergeConditions(
    algo.status?.conditions,
    [
      { type: AlgoConditionType.Ready, status: found ? 'False' : 'True', ...ready },
      // Only a spec change can fix an invalid spec; a missing file set may still be pushed.
      { type: AlgoConditionType.Stalled, status: found?.reason === AlgoReason.InvalidSpec ? 'True' : 'False', ...ready },
    ],
    { now, generation },
  );
  if (specProblem) return { conditions, observedGeneration: generation };
  const { image, command, args, code } = algo.spec;
  return { runDigest: runDigest({ image, command, args, code: code?.digest }), conditions, observedGeneration: generation };
}
