import { describe, expect, it } from 'vitest';
import { makeJob } from '../../../test/support/job-builders.ts';
import type { TesseraJob } from '../../api/job.ts';
import { planFinalizer } from '../computeplan/names.ts';
import { planLink } from './orphan.ts';

const planLabels = { 'tessera.dev/plan': 'fl', 'tessera.dev/plan-namespace': 'org-a', 'tessera.dev/plan-uid': 'uid-1' };

function job(fields: { finalizers?: string[]; labels?: Record<string, string> }): TesseraJob {
  const obj = makeJob('r1-train-0').obj();
  if (fields.finalizers) obj.metadata.finalizers = fields.finalizers;
  if (fields.labels) obj.metadata.labels = fields.labels;
  return obj;
}

describe('planLink', () => {
  const cache = new Map([['org-a/fl', 'uid-1'], ['org-a/other', 'uid-9']]);
  const cachedUid = (ns: string, name: string): string | undefined => cache.get(`${ns}/${name}`);

  it.each([
    { name: 'no plan finalizer', job: job({ finalizers: ['example.com/keep'], labels: planLabels }), want: { kind: 'none' } },
    { name: 'its plan in the cache', job: job({ finalizers: [planFinalizer], labels: planLabels }), want: { kind: 'alive' } },
    {
      name: 'a plan of that name with another uid (re-created): check',
      job: job({ finalizers: [planFinalizer], labels: { ...planLabels, 'tessera.dev/plan-uid': 'uid-0' } }),
      want: { kind: 'check', plan: { namespace: 'org-a', name: 'fl', uid: 'uid-0' } },
    },
    {
      name: 'no plan of that name in the cache: check',
      job: job({ finalizers: [planFinalizer], labels: { ...planLabels, 'tessera.dev/plan': 'gone' } }),
      want: { kind: 'check', plan: { namespace: 'org-a', name: 'gone', uid: 'uid-1' } },
    },
    { name: 'a finalizer without the labels naming its plan', job: job({ finalizers: [planFinalizer], labels: {} }), want: { kind: 'orphan' } },
  ])('$name', ({ job: j, want }) => {
    expect(planLink(j, cachedUid)).toEqual(want);
  });
});
