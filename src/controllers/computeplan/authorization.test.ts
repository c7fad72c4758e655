import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../../test/support/plan-builders.ts';
import { datasetAuthorizes, unauthorizedReason } from './authorization.ts';

describe('datasetAuthorizes', () => {
  it.each([
    { name: 'a private Dataset', dataset: makeDataset('d', 'org-b'), want: false },
    { name: 'a public Dataset', dataset: makeDataset('d', 'org-b').public(), want: true },
    { name: 'a Dataset naming the namespace', dataset: makeDataset('d', 'org-b').authorize('org-c', 'org-a'), want: true },
    { name: 'a Dataset naming another namespace', dataset: makeDataset('d', 'org-b').authorize('org-c'), want: false },
  ])('$name → $want', ({ dataset, want }) => {
    expect(datasetAuthorizes(dataset.obj(), 'org-a')).toBe(want);
  });
});

describe('unauthorizedReason', () => {
  const at = (namespace: string, ...datasets: ReturnType<typeof makeDataset>[]): Parameters<typeof unauthorizedReason>[0] => ({
    task: 't',
    namespace,
    planNamespace: 'org-a',
    datasets: datasets.map((d) => d.obj()),
  });

  it.each([
    { name: "the plan's namespace, on its own private data", tenancy: at('org-a', makeDataset('d')), want: undefined },
    { name: "the plan's namespace, reading no Dataset", tenancy: at('org-a'), want: undefined },
    { name: 'another namespace, on data that authorizes the plan', tenancy: at('org-b', makeDataset('d', 'org-b').authorize('org-a')), want: undefined },
    { name: 'another namespace, on public data', tenancy: at('org-b', makeDataset('d', 'org-b').public()), want: undefined },
    { name: 'another namespace, on private data', tenancy: at('org-b', makeDataset('d', 'org-b')), want: /Dataset org-b\/d does not authorize namespace org-a/ },
    {
      name: 'another namespace, one of two Datasets refusing',
      tenancy: at('org-b', makeDataset('ok', 'org-b').public(), makeDataset('no', 'org-b').authorize('org-c')),
      want: /Dataset org-b\/no does not authorize/,
    },
    { name: 'another namespace, reading none of its data', tenancy: at('org-b'), want: /runs in namespace org-b but reads none of its Datasets/ },
  ])('$name', ({ tenancy, want }) => {
    const reason = unauthorizedReason(tenancy);
    if (want === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(want);
  });
});
