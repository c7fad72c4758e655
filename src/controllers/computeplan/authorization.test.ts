import { describe, expect, it } from 'vitest';
import { testNamespaceUid } from '../../../test/support/job-builders.ts';
import { digestOf, makeDataset } from '../../../test/support/plan-builders.ts';
import { runDigest } from '../shared/run-digest.ts';
import { taskRefusal, type TaskTenancy } from './authorization.ts';

const code = { image: 'local/train:1', code: digestOf('code') };
const approved = runDigest(code);

describe('taskRefusal', () => {
  const at = (namespace: string, ...datasets: ReturnType<typeof makeDataset>[]): TaskTenancy => ({
    task: 't',
    namespace,
    planNamespace: 'org-a',
    planNamespaceUid: testNamespaceUid('org-a'),
    datasets: datasets.map((d) => d.obj()),
    code,
    categories: ['aggregate'],
  });
  const approving = (...approvedCode: string[]): ReturnType<typeof makeDataset> => makeDataset('d', 'org-b').spec({ permissions: { authorizedNamespaces: ['org-a'], approvedCode } });

  it.each<{ name: string; tenancy: TaskTenancy; wantReason?: string; want?: RegExp }>([
    { name: "the plan's namespace, on its own private data", tenancy: at('org-a', makeDataset('d')) },
    { name: "the plan's namespace, reading no Dataset", tenancy: at('org-a') },
    { name: "the plan's namespace, its own approvals do not bind it", tenancy: at('org-a', makeDataset('d').spec({ permissions: { approvedCode: [digestOf('x')] } })) },
    { name: 'another namespace, on data that authorizes the plan', tenancy: at('org-b', makeDataset('d', 'org-b').authorize('org-a')) },
    { name: 'another namespace, on public data', tenancy: at('org-b', makeDataset('d', 'org-b').public()) },
    { name: 'another namespace, on data the plan may read', tenancy: at('org-b', makeDataset('d', 'org-b').spec({ permissions: { read: { authorizedNamespaces: ['org-a'] } } })) },
    { name: 'another namespace, on private data', tenancy: at('org-b', makeDataset('d', 'org-b')), wantReason: 'Unauthorized', want: /Dataset org-b\/d does not authorize namespace org-a/ },
    {
      name: 'another namespace, one of two Datasets refusing',
      tenancy: at('org-b', makeDataset('ok', 'org-b').public(), makeDataset('no', 'org-b').authorize('org-c')),
      wantReason: 'Unauthorized',
      want: /Dataset org-b\/no does not authorize/,
    },
    { name: 'another namespace, reading none of its data', tenancy: at('org-b'), wantReason: 'Unauthorized', want: /runs in namespace org-b but reads none of its Datasets/ },
    { name: 'another namespace, code approved', tenancy: at('org-b', approving(digestOf('old'), approved)) },
    { name: 'another namespace, code not approved', tenancy: at('org-b', approving(digestOf('old'))), wantReason: 'Unauthorized', want: new RegExp(`^CodeNotApproved: task t: Dataset org-b/d does not approve this code \\(run digest ${approved}`) },
    { name: 'another namespace, an empty approval list approves nothing', tenancy: at('org-b', approving()), wantReason: 'Unauthorized', want: /^CodeNotApproved/ },
    { name: 'a trainer on test-only data', tenancy: { ...at('org-b', makeDataset('d', 'org-b').authorize('org-a').testOnly()), categories: ['train', 'metric'] }, wantReason: 'InvalidSpec', want: /task t may learn from its data \(category: train, metric\), but Dataset org-b\/d is test-only/ },
    { name: 'a trainer on its own test-only data', tenancy: { ...at('org-a', makeDataset('d').testOnly()), categories: [undefined, 'composite'] }, wantReason: 'InvalidSpec', want: /test-only/ },
    { name: 'a metric on test-only data', tenancy: { ...at('org-b', makeDataset('d', 'org-b').authorize('org-a').testOnly()), categories: ['metric', 'metric'] } },
  ])('$name', ({ tenancy, wantReason, want }) => {
    const refusal = taskRefusal(tenancy);
    if (want === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toEqual({ reason: wantReason, message: expect.stringMatching(want) as unknown });
  });
});
