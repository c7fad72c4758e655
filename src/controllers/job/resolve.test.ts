import { describe, expect, it } from 'vitest';
import {
  datasetDigest,
  emptyLookups,
  lookupsOf,
  makeInputDataset,
  makeJob,
  makeReadyAlgo,
  readyRun,
} from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import type { Dataset } from '../../api/dataset.ts';
import type { TesseraJob } from '../../api/job.ts';
import { importJobName } from '../dataset/import-job.ts';
import { inputDependencies, planNamespaceLabel, resolveRun } from './resolve.ts';
import { categoryLabel } from '../shared/data-permissions.ts';
import { runDigest } from '../shared/run-digest.ts';

/** A Dataset of team-b that lets `compute` compute on it and `read` read it. */
const shared = (permissions: { compute?: string[]; read?: string[]; approvedCode?: string[] }): ReturnType<typeof makeInputDataset> =>
  makeInputDataset('cifar', 'team-b').spec({
    permissions: {
      public: false,
      authorizedNamespaces: permissions.compute ?? [],
      ...(permissions.read ? { read: { authorizedNamespaces: permissions.read } } : {}),
      ...(permissions.approvedCode ? { approvedCode: permissions.approvedCode } : {}),
    },
  });
/** The run digest of `makeJob(...)`'s image with nothing else. */
const simDigest = runDigest({ image: 'local/sim:1' });

const modelDigest = digestOf('prep/model');
const codeDigest = digestOf('code');

/** Job `prep` of team-a in `phase`, with output `model` when it succeeded. */
const producer = (phase: 'Running' | 'Succeeded' | 'Failed' | 'Canceled', outputs = phase === 'Succeeded' ? ['model'] : []): ReturnType<typeof makeJob> =>
  makeJob('prep').status({ phase, outputs: outputs.map((name) => ({ name, digest: digestOf(`prep/${name}`), files: 1, bytes: 1 })) });

describe('resolveRun', () => {
  it.each([
    // Datasets
    { name: 'a Dataset that does not exist waits', job: makeJob('train').datasetInput('data', 'cifar'), lookups: emptyLookups, wantKind: 'waiting', wantMessage: /Dataset team-a\/cifar not found/ },
    {
      name: "another namespace's private Dataset is refused",
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar', 'team-b').obj()] }),
      wantKind: 'refused',
      wantReason: 'Unauthorized',
      wantMessage: /does not let namespace team-a read its bytes$/,
    },
    {
      name: "another namespace's compute-only Dataset is refused: a Job elsewhere would pull the raw bytes",
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      lookups: lookupsOf({ datasets: [shared({ compute: ['team-a'] }).obj()] }),
      wantKind: 'refused',
      wantReason: 'Unauthorized',
      wantMessage: /does not let namespace team-a read its bytes \(it may compute on it in team-b, through a ComputePlan/,
    },
    {
      name: 'a Dataset that authorized a namespace of the same name before it was deleted and created again is refused, saying so',
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      lookups: lookupsOf({ datasets: [shared({ read: ['team-a'] }).recorded([{ namespace: 'team-a', uid: 'uid-of-the-old-team-a' }]).obj()] }),
      wantKind: 'refused',
      wantReason: 'Unauthorized',
      wantMessage: /namespace team-a was deleted and created again since Dataset team-b\/cifar authorized it \(uid uid-of-the-old-team-a, now nsuid-team-a\)/,
    },
    {
      name: 'a Dataset that has not recorded which namespace it authorizes yet makes the Job wait',
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      lookups: lookupsOf({ datasets: [shared({ read: ['team-a'] }).recorded([]).obj()] }),
      wantKind: 'waiting',
      wantMessage: /Dataset team-b\/cifar has not recorded its authorization of namespace team-a yet/,
    },
    {
      name: "a Job whose namespace the operator's cache has not seen yet waits",
      job: makeJob('train').datasetInput('data', 'cifar'),
      lookups: { ...lookupsOf({ datasets: [makeInputDataset('cifar').obj()] }), namespaceUid: () => undefined },
      wantKind: 'waiting',
      wantMessage: /namespace team-a is not in the operator's cache yet/,
    },
    {
      name: "a public (compute) Dataset is not readable elsewhere either",
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar', 'team-b').public().obj()] }),
      wantKind: 'refused',
      wantReason: 'Unauthorized',
    },
    {
      name: "a plan's Job reading a Dataset that lets its namespace read but not the plan's compute is refused",
      job: makeJob('train').label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      lookups: lookupsOf({ datasets: [shared({ read: ['team-a'] }).obj()] }),
      wantKind: 'refused',
      wantReason: 'Unauthorized',
      wantMessage: /does not authorize namespace team-p/,
    },
    {
      name: "a plan's Job reading its own namespace's Dataset is refused when the plan's namespace is not authorized",
      job: makeJob('train').label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').obj()] }),
      wantKind: 'refused',
      wantReason: 'Unauthorized',
      wantMessage: /does not authorize namespace team-p/,
    },
    {
      name: 'a Dataset that is not Ready waits',
      job: makeJob('train').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').notReady().obj()] }),
      wantKind: 'waiting',
      wantMessage: /Dataset team-a\/cifar is not Ready/,
    },
    {
      name: 'a pinned version evicted from the history is refused',
      job: makeJob('train').datasetInput('data', 'cifar', { version: 2 }),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').versions(12).obj()] }),
      wantKind: 'refused',
      wantReason: 'InputNotFound',
      wantMessage: /no longer keeps version 2/,
    },
    {
      name: 'a pinned version from the future waits',
      job: makeJob('train').datasetInput('data', 'cifar', { version: 4 }),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').versions(3).obj()] }),
      wantKind: 'waiting',
      wantMessage: /has no version 4 yet/,
    },
    {
      name: 'a pinned version of a Dataset never indexed waits',
      job: makeJob('train').datasetInput('data', 'cifar', { version: 1 }),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').empty().obj()] }),
      wantKind: 'waiting',
      wantMessage: /has no version 1 yet/,
    },
    {
      name: 'a test-only Dataset read by a train Algo is refused',
      job: makeJob('train').algo('train').datasetInput('data', 'holdout'),
      lookups: lookupsOf({ datasets: [makeInputDataset('holdout').testOnly().obj()], algos: [makeReadyAlgo('train').category('train').obj()] }),
      wantKind: 'refused',
      wantReason: 'InvalidSpec',
      wantMessage: /test-only; a run that may learn from its data \(category: train/,
    },
    {
      name: 'a test-only Dataset read by a composite Algo is refused',
      job: makeJob('train').algo('train').datasetInput('data', 'holdout'),
      lookups: lookupsOf({ datasets: [makeInputDataset('holdout').testOnly().obj()], algos: [makeReadyAlgo('train').category('composite').obj()] }),
      wantKind: 'refused',
      wantReason: 'InvalidSpec',
      wantMessage: /category: composite/,
    },
    {
      name: 'a test-only Dataset read by a metric Algo is fine',
      job: makeJob('score').algo('score').datasetInput('data', 'holdout'),
      lookups: lookupsOf({ datasets: [makeInputDataset('holdout').testOnly().obj()], algos: [makeReadyAlgo('score').category('metric').obj()] }),
      wantKind: 'ready',
    },
    {
      name: 'a test-only Dataset read by an image Job with no category is refused: it counts as training',
      job: makeJob('peek').datasetInput('data', 'holdout'),
      lookups: lookupsOf({ datasets: [makeInputDataset('holdout').testOnly().obj()] }),
      wantKind: 'refused',
      wantReason: 'InvalidSpec',
      wantMessage: /category: none/,
    },
    {
      name: 'a test-only Dataset read by an image Job labelled metric is fine',
      job: makeJob('score').label(categoryLabel, 'metric').datasetInput('data', 'holdout'),
      lookups: lookupsOf({ datasets: [makeInputDataset('holdout').testOnly().obj()] }),
      wantKind: 'ready',
    },
    {
      name: 'a metric label does not hide a train Algo',
      job: makeJob('train').algo('train').label(categoryLabel, 'metric').datasetInput('data', 'holdout'),
      lookups: lookupsOf({ datasets: [makeInputDataset('holdout').testOnly().obj()], algos: [makeReadyAlgo('train').category('train').obj()] }),
      wantKind: 'refused',
      wantReason: 'InvalidSpec',
    },
    {
      name: 'an unknown category label counts as training',
      job: makeJob('score').label(categoryLabel, 'evaluate').datasetInput('data', 'holdout'),
      lookups: lookupsOf({ datasets: [makeInputDataset('holdout').testOnly().obj()] }),
      wantKind: 'refused',
      wantReason: 'InvalidSpec',
    },
    // Code approval
    {
      name: "a plan's Job on data whose owner approved other code is refused with CodeNotApproved",
      job: makeJob('train').label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').spec({ permissions: { authorizedNamespaces: ['team-p'], approvedCode: [digestOf('other')] } }).obj()] }),
      wantKind: 'refused',
      wantReason: 'CodeNotApproved',
      wantMessage: new RegExp(`does not approve this code \\(run digest ${simDigest}`),
    },
    {
      name: "a plan's Job running approved code is fine",
      job: makeJob('train').label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').spec({ permissions: { authorizedNamespaces: ['team-p'], approvedCode: [simDigest] } }).obj()] }),
      wantKind: 'ready',
    },
    {
      name: 'the same approved image with another command is refused: the command is code too',
      job: makeJob('train').spec({ command: ['sh', '-c', 'cp -r /tessera/inputs /tessera/outputs'] }).label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').spec({ permissions: { authorizedNamespaces: ['team-p'], approvedCode: [simDigest] } }).obj()] }),
      wantKind: 'refused',
      wantReason: 'CodeNotApproved',
    },
    {
      name: "a trial's parameters are not code: approved code with TESSERA_PARAMS and TESSERA_PARAM_<NAME> runs",
      job: makeJob('train').spec({ env: [{ name: 'TESSERA_PARAMS', value: '{"lr":0.1}' }, { name: 'TESSERA_PARAM_LR', value: '0.1' }] }).label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').spec({ permissions: { authorizedNamespaces: ['team-p'], approvedCode: [simDigest] } }).obj()] }),
      wantKind: 'ready',
    },
    {
      name: 'approved code with any other variable is refused: NODE_OPTIONS or PYTHONPATH change what runs',
      job: makeJob('train').spec({ env: [{ name: 'TESSERA_PARAM_LR', value: '0.1' }, { name: 'NODE_OPTIONS', value: '--require /tessera/inputs/data/x.js' }] }).label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').spec({ permissions: { authorizedNamespaces: ['team-p'], approvedCode: [simDigest] } }).obj()] }),
      wantKind: 'refused',
      wantReason: 'CodeNotApproved',
    },
    {
      name: "the owner's own Job is exempt from approvals",
      job: makeJob('train').datasetInput('data', 'cifar'),
      lookups: lookupsOf({ datasets: [makeInputDataset('cifar').spec({ permissions: { approvedCode: [digestOf('other')] } }).obj()] }),
      wantKind: 'ready',
    },
    {
      name: 'a reader in another namespace runs only approved code too',
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      lookups: lookupsOf({ datasets: [shared({ read: ['team-a'], approvedCode: [digestOf('other')] }).obj()] }),
      wantKind: 'refused',
      wantReason: 'CodeNotApproved',
    },
    // Job outputs
    { name: 'a producer Job that does not exist waits', job: makeJob('train').jobOutputInput('model', 'prep', 'model'), lookups: emptyLookups, wantKind: 'waiting', wantMessage: /Job prep not found/ },
    {
      name: 'a producer Job still running waits',
      job: makeJob('train').jobOutputInput('model', 'prep', 'model'),
      lookups: lookupsOf({ jobs: [producer('Running').obj()] }),
      wantKind: 'waiting',
      wantMessage: /Job prep has not succeeded yet/,
    },
    {
      name: 'a producer Job that failed is refused',
      job: makeJob('train').jobOutputInput('model', 'prep', 'model'),
      lookups: lookupsOf({ jobs: [producer('Failed').obj()] }),
      wantKind: 'refused',
      wantReason: 'InputNotReady',
      wantMessage: /Job prep ended Failed; it will produce no model/,
    },
    {
      name: 'a producer Job that was canceled is refused',
      job: makeJob('train').jobOutputInput('model', 'prep', 'model'),
      lookups: lookupsOf({ jobs: [producer('Canceled').obj()] }),
      wantKind: 'refused',
      wantReason: 'InputNotReady',
    },
    {
      name: 'a producer Job that succeeded without the named output is refused',
      job: makeJob('train').jobOutputInput('model', 'prep', 'model'),
      lookups: lookupsOf({ jobs: [producer('Succeeded', ['weights']).obj()] }),
      wantKind: 'refused',
      wantReason: 'InputNotFound',
      wantMessage: /Job prep has no output named model/,
    },
    // Algos
    { name: 'an Algo that does not exist waits', job: makeJob('train').algo('train'), lookups: emptyLookups, wantKind: 'waiting', wantMessage: /Algo train not found/ },
    {
      name: 'an Algo that is not Ready waits',
      job: makeJob('train').algo('train'),
      lookups: lookupsOf({ algos: [makeReadyAlgo('train').notReady().obj()] }),
      wantKind: 'waiting',
      wantMessage: /Algo train is not Ready/,
    },
    {
      name: "an Algo's required input left unbound is refused",
      job: makeJob('train').algo('train').fileSetInput('data', digestOf('data')),
      lookups: lookupsOf({ algos: [makeReadyAlgo('train').inputs({ name: 'data' }, { name: 'model' }, { name: 'extra', optional: true }).obj()] }),
      wantKind: 'refused',
      wantReason: 'InvalidSpec',
      wantMessage: /needs inputs that are not bound: model$/,
    },
    {
      name: "an Algo's optional input left unbound is fine",
      job: makeJob('train').algo('train').fileSetInput('data', digestOf('data')),
      lookups: lookupsOf({ algos: [makeReadyAlgo('train').inputs({ name: 'data' }, { name: 'init', optional: true }).obj()] }),
      wantKind: 'ready',
    },
    // Order
    {
      name: 'the first input that is not ready decides',
      job: makeJob('train').datasetInput('a', 'missing').jobOutputInput('b', 'prep', 'model'),
      lookups: lookupsOf({ jobs: [producer('Failed').obj()] }),
      wantKind: 'waiting',
      wantMessage: /input a: Dataset team-a\/missing not found/,
    },
  ])('$name', ({ job, lookups, wantKind, wantReason, wantMessage }) => {
    const resolution = resolveRun(job.obj(), lookups);
    expect(resolution.kind).toBe(wantKind);
    if (wantReason) expect(resolution).toMatchObject({ reason: wantReason });
    if (wantMessage) expect(resolution).toMatchObject({ message: expect.stringMatching(wantMessage) as unknown });
  });

  it('resolves an image Job without inputs to its image, no inputs and nothing to check', () => {
    const resolution = resolveRun(makeJob('train').spec({ command: ['python'], args: ['run.py'] }).obj(), emptyLookups);
    expect(resolution).toEqual({
      kind: 'ready',
      run: { image: 'local/sim:1', command: ['python'], args: ['run.py'], resources: undefined, inputs: [], code: undefined, outputs: [], digestsToCheck: [] },
    });
  });

  it.each([
    { name: 'its own namespace, not pinned', job: makeJob('train').datasetInput('data', 'cifar'), dataset: makeInputDataset('cifar').versions(3), wantVersion: 3 },
    {
      name: 'another namespace that lets it read',
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      dataset: shared({ read: ['team-a'] }),
      wantVersion: 1,
    },
    {
      name: 'another namespace, public to read',
      job: makeJob('train').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      dataset: makeInputDataset('cifar', 'team-b').spec({ permissions: { read: { public: true } } }),
      wantVersion: 1,
    },
    {
      name: "a plan's Job, its namespace reading and the plan's computing",
      job: makeJob('train').label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar', { namespace: 'team-b' }),
      dataset: shared({ compute: ['team-p'], read: ['team-a'] }),
      wantVersion: 1,
    },
    {
      name: "a plan's Job in the data's namespace, on behalf of a plan that may compute",
      job: makeJob('train', 'team-b').label(planNamespaceLabel, 'team-p').datasetInput('data', 'cifar'),
      dataset: shared({ compute: ['team-p'] }),
      wantVersion: 1,
    },
    { name: 'pinned to a version in the history', job: makeJob('train').datasetInput('data', 'cifar', { version: 4 }), dataset: makeInputDataset('cifar').versions(12), wantVersion: 4 },
    { name: 'pinned to the current version', job: makeJob('train').datasetInput('data', 'cifar', { version: 12 }), dataset: makeInputDataset('cifar').versions(12), wantVersion: 12 },
    { name: 'pinned, while a new version is not Ready', job: makeJob('train').datasetInput('data', 'cifar', { version: 2 }), dataset: makeInputDataset('cifar').versions(3).notReady(), wantVersion: 2 },
  ])('reads a Dataset from $name: the digest of that version', ({ job, dataset, wantVersion }) => {
    const built = dataset.obj();
    const { name, namespace } = built.metadata;
    const run = readyRun(job.obj(), lookupsOf({ datasets: [built] }));
    expect(run.inputs).toEqual([{ name: 'data', digest: datasetDigest(name, wantVersion, namespace), version: wantVersion, source: `dataset ${namespace}/${name} v${wantVersion}` }]);
    // A Dataset's digest was checked when it was indexed: only pinned file sets are checked again.
    expect(run.digestsToCheck).toEqual([]);
  });

  it("reads a succeeded Job's output by its digest", () => {
    const run = readyRun(makeJob('train').jobOutputInput('model', 'prep', 'model').obj(), lookupsOf({ jobs: [producer('Succeeded').obj()] }));
    expect(run.inputs).toEqual([{ name: 'model', digest: modelDigest, source: 'job prep/model' }]);
    expect(run.digestsToCheck).toEqual([]);
  });

  it("checks a pinned file set input and the Job's own code in the store", () => {
    const data = digestOf('data');
    const run = readyRun(makeJob('train').fileSetInput('data', data).code(codeDigest).obj());
    expect(run.inputs).toEqual([{ name: 'data', digest: data, source: 'file set' }]);
    expect(run.code).toEqual({ digest: codeDigest, source: 'file set' });
    expect(run.digestsToCheck).toEqual([data, codeDigest]);
  });

  describe('the effective run of an Algo', () => {
    const algo = makeReadyAlgo('train').spec({
      image: 'local/algo:2',
      command: ['algo'],
      args: ['--fast'],
      code: { digest: digestOf('algo-code') },
      resources: { cpu: '2', memory: '4Gi', gpu: 1 },
      outputs: [{ name: 'model' }, { name: 'report' }],
    });
    const lookups = lookupsOf({ algos: [algo.obj()] });

    it("takes the Algo's image, command, args, outputs and code when the Job sets none", () => {
      const run = readyRun(makeJob('train').algo('train').obj(), lookups);
      expect(run).toMatchObject({
        image: 'local/algo:2',
        command: ['algo'],
        args: ['--fast'],
        resources: { cpu: '2', memory: '4Gi', gpu: 1 },
        outputs: ['model', 'report'],
        code: { digest: digestOf('algo-code'), source: 'algo train' },
      });
      // The Algo's code is checked by the Algo controller, not again for every Job.
      expect(run.digestsToCheck).toEqual([]);
    });

    it("puts the Job's command, args and outputs over the Algo's", () => {
      const job = makeJob('train').algo('train').spec({ command: ['job'], args: ['--slow'] }).outputs('weights');
      expect(readyRun(job.obj(), lookups)).toMatchObject({ image: 'local/algo:2', command: ['job'], args: ['--slow'], outputs: ['weights'] });
    });

    it("merges resources field by field, the Job's over the Algo's", () => {
      const job = makeJob('train').algo('train').spec({ resources: { memory: '16Gi', gpuProduct: 'A100' } });
      expect(readyRun(job.obj(), lookups).resources).toEqual({ cpu: '2', memory: '16Gi', gpu: 1, gpuProduct: 'A100' });
    });

    it("puts the Job's code over the Algo's", () => {
      const run = readyRun(makeJob('train').algo('train').code(codeDigest).obj(), lookups);
      expect(run.code).toEqual({ digest: codeDigest, source: 'file set' });
      expect(run.digestsToCheck).toEqual([codeDigest]);
    });
  });
});

describe('inputDependencies', () => {
  it('names the Datasets, Jobs and Algo a Job reads as namespace/name keys', () => {
    const job = makeJob('train')
      .algo('train')
      .datasetInput('a', 'cifar')
      .datasetInput('b', 'mnist', { namespace: 'team-b' })
      .jobOutputInput('c', 'prep', 'model')
      .fileSetInput('d', digestOf('d'));
    expect(inputDependencies(job.obj())).toEqual({ datasets: ['team-a/cifar', 'team-b/mnist'], jobs: ['team-a/prep'], algos: ['team-a/train'] });
  });

  it('names nothing for an image Job without inputs', () => {
    expect(inputDependencies(makeJob('train').obj())).toEqual({ datasets: [], jobs: [], algos: [] });
  });
});

describe('resolveRun for Jobs labelled as a Dataset index Job', () => {
  const scans = (indexJob?: { name: string; uid: string }): Dataset =>
    ({ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'scans', namespace: 'team-a', uid: 'uid-scans' }, spec: { source: { prefix: { prefix: 'scans/' } } }, ...(indexJob ? { status: { indexJob } } : {}) });
  const indexName = importJobName(scans());
  const claiming = (name: string, uid: string): TesseraJob => {
    const job = makeJob(name).obj();
    job.metadata.uid = uid;
    job.metadata.labels = { 'app.kubernetes.io/component': 'dataset-index' };
    job.metadata.ownerReferences = [{ apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', name: 'scans', uid: 'uid-scans', controller: true }];
    job.spec = { image: 'tessera/operator:dev', args: ['transfer', 'index'] };
    return job;
  };
  it.each([
    { name: 'the recorded index Job runs as the indexer', job: claiming(indexName, 'u1'), record: { name: indexName, uid: 'u1' }, want: 'indexes' },
    { name: 'the index-Job name not recorded yet waits', job: claiming(indexName, 'u1'), record: undefined, want: 'waiting' },
    { name: 'the index-Job name with another uid waits, with no token', job: claiming(indexName, 'u2'), record: { name: indexName, uid: 'u1' }, want: 'waiting' },
    { name: 'a Job of another name is refused', job: claiming('forged-index', 'u3'), record: { name: indexName, uid: 'u1' }, want: 'refused' },
  ])('$name', ({ job, record, want }) => {
    const resolution = resolveRun(job, lookupsOf({ datasets: [scans(record)] }));
    expect(resolution.kind === 'ready' ? (resolution.run.indexes ? 'indexes' : 'plain') : resolution.kind).toBe(want);
  });
});
