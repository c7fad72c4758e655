import { describe, expect, it } from 'vitest';
import type { Algo } from '../../api/algo.ts';
import type { Dataset } from '../../api/dataset.ts';
import { makeJob } from '../../../test/support/job-builders.ts';
import { makePredictor } from '../../../test/support/predictor-builders.ts';
import { liveManifests } from './live-file-sets.ts';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

const dataset: Dataset = {
  apiVersion: 'tessera.dev/v1alpha1',
  kind: 'Dataset',
  metadata: { name: 'ds', namespace: 'a' },
  spec: { source: { fileSet: { digest: d('1') } } },
  status: { version: 2, digest: d('2'), history: [{ version: 2, digest: d('2'), files: 1, bytes: 1 }, { version: 1, digest: d('3'), files: 1, bytes: 1 }] },
};

const algo: Algo = { apiVersion: 'tessera.dev/v1alpha1', kind: 'Algo', metadata: { name: 'al', namespace: 'a' }, spec: { image: 'x', category: 'train', code: { digest: d('4') } } };

const outputs = [
  { name: 'model', digest: d('5'), files: 1, bytes: 1 },
  { name: 'logs', digest: d('6'), files: 1, bytes: 1 },
];

describe('liveManifests', () => {
  it("keeps every Dataset version, the Algo's code, what running Jobs read and what Jobs wrote", () => {
    const job = makeJob('j').spec({ inputs: [{ name: 'pinned', fileSet: { digest: d('7') } }] }).status({ phase: 'Running', inputs: [{ name: 'x', digest: d('8') }], code: { digest: d('9') }, outputs }).obj();
    expect(new Set(liveManifests({ datasets: [dataset], algos: [algo], jobs: [job] }))).toEqual(new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(d)));
  });

  it.each(['Succeeded', 'Failed', 'Canceled'] as const)('lets go of what a %s Job read, keeping what it wrote', (phase) => {
    const job = makeJob('j').spec({ inputs: [{ name: 'pinned', fileSet: { digest: d('7') } }] }).status({ phase, inputs: [{ name: 'x', digest: d('8') }], outputs }).obj();
    expect(new Set(liveManifests({ datasets: [], algos: [], jobs: [job] }))).toEqual(new Set([d('5'), d('6')]));
  });

  it('drops the outputs a plan released, but keeps their log', () => {
    const job = makeJob('j').annotate('tessera.dev/outputs-released', 'true').status({ phase: 'Succeeded', outputs }).obj();
    expect(liveManifests({ datasets: [], algos: [], jobs: [job] })).toEqual([d('6')]);
  });

  it('lists a digest held by several objects once', () => {
    const job = makeJob('j').status({ phase: 'Running', inputs: [{ name: 'x', digest: d('2') }] }).obj();
    expect(liveManifests({ datasets: [dataset], algos: [], jobs: [job] }).filter((x) => x === d('2'))).toHaveLength(1);
  });

  it('keeps what a Predictor serves: its recorded model and code, and a model pinned by digest', () => {
    const served = makePredictor().status({ phase: 'Ready', modelDigest: d('a'), codeDigest: d('b') }).obj();
    const pinned = makePredictor('pinned').spec({ model: { digest: d('c') } }).obj();
    expect(new Set(liveManifests({ datasets: [], algos: [], jobs: [], predictors: [served, pinned] }))).toEqual(new Set([d('a'), d('b'), d('c')]));
  });
});
