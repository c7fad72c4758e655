import type { Params } from '../../../api/search.ts';

// A trial as the advisor sees it: what was decided for it (parameters, rung) and where its tasks
// are. Built from the plan's status.trials and its Jobs by trial-view.ts; read by the pure advisor.

/**
 * Where the tasks of a trial's current rung are: none has a Job yet (pending), some run (active),
 * all succeeded (done), one failed, or one was canceled.
 */
export type TrialProgress = 'pending' | 'active' | 'done' | 'failed' | 'canceled';

/** One trial, observed. */
export interface TrialObservation {
  /** `t<n>`. */
  id: string;
  /** Its number n: the order trials were started in. */
  n: number;
  params: Params;
  /** The highest rung started (0 unless ASHA promoted it). */
  rung: number;
  progress: TrialProgress;
  /** The objective at the end of each rung it finished (index: rung); undefined where it reported none. */
  objectives: ReadonlyArray<number | undefined>;
}

/** Whether the trial holds its slot: its tasks run, or are about to. */
export function isLiveTrial(trial: Pick<TrialObservation, 'progress'>): boolean {
  return trial.progress === 'pending' || trial.progress === 'active';
}
