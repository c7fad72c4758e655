import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../../test/support/plan-builders.ts';
import { codeNotApproved, computeConsent, isTrainingRun, mayCompute, mayRead, readConsent, recreatedNamespace } from './data-permissions.ts';
import { testNamespaceUid } from '../../../test/support/job-builders.ts';

const orgA = { name: 'org-a', uid: testNamespaceUid('org-a') };
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
    expect(mayCompute(dataset.obj(), orgA)).toBe(wantCompute);
    expect(mayRead(dataset.obj(), orgA)).toBe(wantRead);
  });
});

describe('a namespace deleted and created again under an authorized name', () => {
  const recreated = { name: 'org-a', uid: 'uid-of-the-new-org-a' };
  const readable = (): ReturnType<typeof makeDataset> => makeDataset('d', 'org-b').spec({ permissions: { read: { authorizedNamespaces: ['org-a'] } } });

  it('is refused compute and read, and told why and by whom', () => {
    for (const dataset of [makeDataset('d', 'org-b').authorize('org-a'), readable()]) {
      expect(computeConsent(dataset.obj(), recreated)).toBe('no');
      expect(readConsent(dataset.obj(), recreated)).toBe('no');
      expect(recreatedNamespace(dataset.obj(), recreated)).toMatch(/namespace org-a was deleted and created again since Dataset org-b\/d authorized it \(uid nsuid-org-a, now uid-of-the-new-org-a\)/);
    }
    expect(recreatedNamespace(readable().obj(), orgA)).toBeUndefined();
  });

  it('is pending while the Dataset has not recorded the name, and refused when the cache does not know the namespace', () => {
    const unrecorded = makeDataset('d', 'org-b').authorize('org-a').recorded([]).obj();
    expect(computeConsent(unrecorded, orgA)).toBe('pending');
    expect(mayCompute(unrecorded, orgA)).toBe(false);
    expect(computeConsent(makeDataset('d', 'org-b').authorize('org-a').obj(), { name: 'org-a', uid: undefined })).toBe('no');
    expect(mayCompute(makeDataset('d', 'org-b').authorize('org-a').obj(), { name: 'org-a', uid: undefined })).toBe(false);
  });

  it('still may compute on a public Dataset: public means every namespace', () => {
    expect(mayCompute(makeDataset('d', 'org-b').public().obj(), recreated)).toBe(true);
    expect(mayRead(makeDataset('d', 'org-b').spec({ permissions: { read: { public: true } } }).obj(), recreated)).toBe(true);
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
