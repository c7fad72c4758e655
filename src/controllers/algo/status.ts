import { AlgoConditionType, type Algo, type AlgoStatus } from '../../api/algo.ts';
import { mergeConditions, type ConditionUpdate } from '../shared/conditions.ts';
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
  /** Its code file set has a path that could escape the target or collides when case is folded. */
  UnsafeFileSet: 'UnsafeFileSet',
  /** Its code file set's manifest is not a valid manifest. */
  CorruptFileSet: 'CorruptFileSet',
} as const;

/** What the reconciler found out about an Algo's code; `unusable` can never be pulled. */
export type CodeCheck = 'none' | 'ok' | 'missing' | 'ungranted' | { unusable: { reason: string; message: string } };

// Only a spec change can fix these; a missing or ungranted file set may still be pushed.
const finalReasons: ReadonlySet<string> = new Set([AlgoReason.InvalidSpec, AlgoReason.UnsafeFileSet, AlgoReason.CorruptFileSet]);

/** The one problem that keeps an Algo from being Ready, or undefined. */
function problem(check: CodeCheck, digest: string | undefined, specProblem: string | undefined): { reason: string; message: string } | undefined {
  if (specProblem) return { reason: AlgoReason.InvalidSpec, message: specProblem };
  if (check === 'missing') return { reason: AlgoReason.CodeNotFound, message: `no file set ${digest} in the store; push it with \`tessera algo push\`` };
  if (check === 'ungranted') return { reason: AlgoReason.Unauthorized, message: `the file set ${digest} was never pushed to this namespace` };
  if (typeof check === 'object') return check.unusable;
  return undefined;
}

/**
 * Ready, Reconciling and Stalled, exactly one True (kstatus): waiting for code that may still be
 * pushed is progress, a problem only a spec change can fix is Stalled.
 */
function conditionUpdates(algo: Readonly<Algo>, found: { reason: string; message: string } | undefined): ConditionUpdate[] {
  const ready = found ?? { reason: AlgoReason.Ready, message: `runs ${algo.spec.image}` };
  const stalled = found !== undefined && finalReasons.has(found.reason);
  const state = (on: boolean): 'True' | 'False' => (on ? 'True' : 'False');
  return [
    { type: AlgoConditionType.Ready, status: state(!found), ...ready },
    { type: AlgoConditionType.Reconciling, status: state(found !== undefined && !stalled), ...ready },
    { type: AlgoConditionType.Stalled, status: state(stalled), ...ready },
  ];
}

/** The status an Algo should have; `specProblem` is a readable schema error, if any. */
export function algoStatus(algo: Readonly<Algo>, check: CodeCheck, specProblem: string | undefined, now: Date): AlgoStatus {
  const generation = algo.metadata.generation;
  const found = problem(check, algo.spec.code?.digest, specProblem);
  const conditions = mergeConditions(algo.status?.conditions, conditionUpdates(algo, found), { now, generation });
  if (specProblem) return { conditions, observedGeneration: generation };
  const { image, command, args, code } = algo.spec;
  return { runDigest: runDigest({ image, command, args, code: code?.digest }), conditions, observedGeneration: generation };
}
