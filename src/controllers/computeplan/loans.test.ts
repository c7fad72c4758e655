import { describe, expect, it } from 'vitest';
import type { TesseraJob } from '../../api/job.ts';
import { testNamespaceUid } from '../../../test/support/job-builders.ts';
import { digestOf, makeDataset, makePlan, taskJob } from '../../../test/support/plan-builders.ts';
import { runDigest } from '../shared/run-digest.ts';
import { loanDecision, type LoanObservation } from './loans.ts';

const code = digestOf('code');
const model = digestOf('agg/model');

/** A trainer's Job in org-b reading Dataset cifar there, with the plan's code and a model lent. */
function trainer(): TesseraJob {
  const job = taskJob('r2-train-0', 'org-b').obj();
  job.spec = { image: 'local/train:1', code: { digest: code }, inputs: [{ name: 'data', dataset: { name: 'cifar' } }, { name: 'model', fileSet: { digest: model } }] };
  return job;
}

function observed(fields: Partial<LoanObservation> & { datasets?: ReturnType<typeof makeDataset>[] }): LoanObservation {
  const datasets = new Map((fields.datasets ?? []).map((d) => d.obj()).map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d]));
  return { plan: makePlan().obj(), jobs: [trainer()], creating: [], finished: false, dataset: (ns, name) => datasets.get(`${ns}/${name}`), namespaceUid: testNamespaceUid, ...fields };
}

describe('loanDecision', () => {
  it('keeps what a task borrows while its data authorizes the plan, and does not list the loans', () => {
    const decision = loanDecision(observed({ datasets: [makeDataset('cifar', 'org-b').authorize('org-a')] }));
    expect(decision).toEqual({ sweep: false, keep: new Set([`nsuid-org-b/${model}`, `nsuid-org-b/${code}`]) });
  });

  it.each([
    { name: 'the Dataset withdrew its authorization', datasets: [makeDataset('cifar', 'org-b')] },
    { name: 'the Dataset is gone', datasets: [] },
    { name: "the plan's namespace was deleted and created again since the Dataset authorized it", datasets: [makeDataset('cifar', 'org-b').authorize('org-a').recorded([{ namespace: 'org-a', uid: 'uid-of-the-old-org-a' }])] },
    { name: 'the Dataset has not recorded which namespace it authorizes', datasets: [makeDataset('cifar', 'org-b').authorize('org-a').recorded([])] },
    { name: 'the Dataset now approves other code', datasets: [makeDataset('cifar', 'org-b').spec({ permissions: { authorizedNamespaces: ['org-a'], approvedCode: [digestOf('x')] } })] },
  ])('withdraws what a task borrowed when $name', ({ datasets }) => {
    expect(loanDecision(observed({ datasets }))).toEqual({ sweep: true, keep: new Set() });
  });

  it('keeps a task approved by its run digest', () => {
    const approvedCode = [runDigest({ image: 'local/train:1', code })];
    const decision = loanDecision(observed({ datasets: [makeDataset('cifar', 'org-b').spec({ permissions: { authorizedNamespaces: ['org-a'], approvedCode } })] }));
    expect(decision.sweep).toBe(false);
  });

  it('withdraws everything once the plan has finished', () => {
    expect(loanDecision(observed({ finished: true, datasets: [makeDataset('cifar', 'org-b').authorize('org-a')] }))).toEqual({ sweep: true, keep: new Set() });
  });

  it('withdraws everything while the plan is being deleted', () => {
    const plan = makePlan().obj();
    plan.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(loanDecision(observed({ plan, datasets: [makeDataset('cifar', 'org-b').authorize('org-a')] })).keep).toEqual(new Set());
  });

  it('keeps what the Jobs being created borrow, though the cache does not show them yet', () => {
    const creating = [{ job: trainer(), grants: [{ namespace: 'org-c', digest: code, from: 'org-a' }] }];
    const decision = loanDecision(observed({ jobs: [], creating, datasets: [] }));
    expect(decision).toEqual({ sweep: false, keep: new Set([`nsuid-org-c/${code}`]) });
  });

  it("keeps what a task in the plan's own namespace borrows: the plan is the data's owner there", () => {
    const aggregate = taskJob('agg').obj();
    aggregate.spec = { image: 'local/agg:1', inputs: [{ name: 'model-0', fileSet: { digest: model } }] };
    expect(loanDecision(observed({ jobs: [aggregate] }))).toEqual({ sweep: false, keep: new Set([`nsuid-org-a/${model}`]) });
  });
});
