import type { ComputePlan } from '../../api/computeplan.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import type { Loan, StoredLoan } from '../../storage/access.ts';
import { codeNotApproved, mayCompute } from '../shared/data-permissions.ts';
import type { DesiredTaskJob } from './desired.ts';
import { isDeleting } from './task-jobs.ts';

// Which of the file sets a plan lent are still backed by authorizations in force. The rule: a plan
// lends only what one of its namespaces holds (its Ready Algo's code, a parent's output), only to
// the namespace of a task that reads it, and a loan lasts while (1) the plan has not finished and
// is not being deleted, and (2) for a task in another namespace, every Dataset the task reads there
// still lets the plan's namespace compute and approves its code. Outputs already computed under an
// authorization stay readable by their consumers; new runs need it in force. Pure: the reconciler
// lists the loans the plan recorded and withdraws those not kept (storage/access.ts). Loans are
// stored by namespace uid, so a loan to a namespace since created again is never kept.

/** `namespace uid/digest`, a stored loan's identity within a plan. */
export const loanId = (loan: StoredLoan): string => `${loan.namespaceUid}/${loan.digest}`;

/** What the reconciler should do about the plan's loans. */
export interface LoanDecision {
  /** Whether some loan may have lost its backing: list the plan's loans and withdraw those not kept. */
  sweep: boolean;
  /** Loans still backed, by loanId. */
  keep: ReadonlySet<string>;
}

/** What the loans of a plan are judged on. */
export interface LoanObservation {
  plan: Readonly<ComputePlan>;
  /** The plan's own Jobs. */
  jobs: ReadonlyArray<Readonly<TesseraJob>>;
  /** The Jobs this reconcile creates (the cache may not show them yet). */
  creating: readonly DesiredTaskJob[];
  /** The plan has finished: nothing it lent is needed any more. */
  finished: boolean;
  dataset: (namespace: string, name: string) => Readonly<Dataset> | undefined;
  /** A namespace's current uid, undefined when the operator's cache does not know it. */
  namespaceUid: (name: string) => string | undefined;
}

/** What a Job may have borrowed: its code and its pinned inputs, in its own namespace. */
function loansOfJob(job: Readonly<TesseraJob>): Loan[] {
  const namespace = job.metadata.namespace ?? '';
  const digests = (job.spec.inputs ?? []).flatMap((i) => (i.fileSet ? [i.fileSet.digest] : []));
  if (job.spec.code) digests.push(job.spec.code.digest);
  return digests.map((digest) => ({ namespace, digest }));
}

/** Whether the Datasets a task Job reads in another namespace still consent to the plan's run. */
function isBacked(job: Readonly<TesseraJob>, planNamespace: string, observed: LoanObservation): boolean {
  const namespace = job.metadata.namespace ?? '';
  if (namespace === planNamespace) return true;
  const read = (job.spec.inputs ?? []).flatMap((i) => (i.dataset ? [observed.dataset(i.dataset.namespace ?? namespace, i.dataset.name)] : []));
  const requester = { name: planNamespace, uid: observed.namespaceUid(planNamespace) };
  const { image = '', command, args, env, code } = job.spec;
  const run = { image, command, args, env, code: code?.digest };
  return read.length > 0 && read.every((d) => d !== undefined && mayCompute(d, requester) && codeNotApproved(d, planNamespace, run) === undefined);
}

/** The loans to keep, and whether any may have to go. */
export function loanDecision(observed: LoanObservation): LoanDecision {
  if (observed.finished || observed.plan.metadata.deletionTimestamp) return { sweep: true, keep: new Set() };
  const planNamespace = observed.plan.metadata.namespace ?? '';
  const withLoans = observed.jobs.filter((job) => loansOfJob(job).length > 0);
  const backed = withLoans.filter((job) => !isDeleting(job) && isBacked(job, planNamespace, observed));
  const kept: Loan[] = [...backed.flatMap(loansOfJob), ...observed.creating.flatMap((c) => c.grants)];
  const stored = kept.flatMap((loan): StoredLoan[] => {
    const namespaceUid = observed.namespaceUid(loan.namespace);
    return namespaceUid === undefined ? [] : [{ namespaceUid, digest: loan.digest }];
  });
  return { sweep: backed.length < withLoans.length, keep: new Set(stored.map(loanId)) };
}
