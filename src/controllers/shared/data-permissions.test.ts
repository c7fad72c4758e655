import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../../test/support/plan-builders.ts';
import { codeNotApproved, isTrainingRun, mayCompute, mayRead } from './data-permissions.ts';
import { runDigest } from './run-digest.ts';

const run = { image: 'local/train:1' };

describe('mayRead and mayCompute', () => {
  it.each([
    { name: 'its own namespace', dataset: makeDataset('d', 'org-a'), wantCompute: true, wantRead: true },
    { name: 'private', dataset: makeDataset('d', 'org-b'), wantCompute: false, wantRead: false },
    { name: 'public: compute only', dataset: makeDataset('d', 'org-b').public(), wantCompute: true, wantRead: false },
    { name: 'authorized: compute only (the old field keeps meaning compute)', dataset: makeDataset('d', 'org-b').authorize('org-a'), wantCompute: true, wantRead: false },
    { name: 'authorized another namespace', dataset: makeDataset('d', 'org-b').authorize('org-c'), wantCompute: false, wantRead: false },
    { name: 'read: authorized, which includes compute', dataset: makeDataset('d', 'org-b').spec({ permissions: { read: { authorizedNamespaces: ['org-a'] } } }), wantCompute: true, wantRead: true },
    { name: 'read: public', dataset: makeDataset('d', 'org-b').spec({ permissions: { read: { public: true } } }), wantCompute: true, wantRead: true },
    { name: 'read: another namespace', dataset: makeDataset('d', 'org-b').spec({ permissions: { read: { authorizedNamespaces: ['org-c'] } } }), wantCompute: false, wantRead: false },
  ])('$name: compute $wantCompute, read $wantRead', ({ dataset, wantCompute, wantRead }) => {
    expect(mayCompute(dataset.obj(), 'org-a')).toBe(wantCompute);
    expect(mayRead(dataset.obj(), 'org-a')).toBe(wantRead);
  });
});

describe('codeNotApproved', () => {
  it.each([
    { name: 'no approvals: any code', permissions: { authorizedNamespaces: ['org-a'] }, namespace: 'org-a', want: undefined },
    { name: 'approved', permissions: { approvedCode: [runDigest(run)] }, namespace: 'org-a', want: undefined },
    { name: 'not approved', permissions: { approvedCode: [] }, namespace: 'org-a', want: /^Dataset org-b\/d does not approve this code \(run digest sha256:\w+, image local\/train:1\)/ },
    { name: "the owner's own run: exempt", permissions: { approvedCode: [] }, namespace: 'org-b', want: undefined },
  ])('$name', ({ permissions, namespace, want }) => {
    const refusal = codeNotApproved(makeDataset('d', 'org-b').spec({ permissions }).obj(), namespace, run);
    if (want) expect(refusal).toMatch(want);
    else expect(refusal).toBeUndefined();
  });
});

describe('isTrainingRun', () => {
  it.each([
    { categories: [], want: true },
    { categories: [undefined, ''], want: true },
    { categories: ['train'], want: true },
    { categories: ['composite'], want: true },
    { categories: ['made-up'], want: true },
    { categories: ['metric'], want: false },
    { categories: ['predict', undefined], want: false },
    { categories: ['aggregate', 'metric'], want: false },
    { categories: ['metric', 'train'], want: true },
  ])('$categories → $want', ({ categories, want }) => {
    expect(isTrainingRun(categories)).toBe(want);
  });
});
