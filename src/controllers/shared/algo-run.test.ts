import { describe, expect, it } from 'vitest';
import { makeReadyAlgo } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import { algoRun, mergeResources } from './algo-run.ts';

describe('mergeResources', () => {
  it.each([
    { name: 'neither', defaults: undefined, own: undefined, want: undefined },
    { name: 'only the Algo', defaults: { cpu: 2, memory: '4Gi' }, own: undefined, want: { cpu: 2, memory: '4Gi' } },
    { name: 'a GPU over cpu and memory keeps them', defaults: { cpu: 2, memory: '4Gi' }, own: { gpu: 1 }, want: { cpu: 2, memory: '4Gi', gpu: 1 } },
    { name: 'the own field wins', defaults: { cpu: 2, memory: '4Gi' }, own: { memory: '16Gi' }, want: { cpu: 2, memory: '16Gi' } },
    { name: 'zero GPUs is a value, not a gap', defaults: { gpu: 2 }, own: { gpu: 0 }, want: { gpu: 0 } },
  ])('$name', ({ defaults, own, want }) => {
    expect(mergeResources(defaults, own)).toEqual(want);
  });
});

describe('algoRun', () => {
  const algo = makeReadyAlgo('train').spec({ command: ['node'], args: ['train.js'], code: { digest: digestOf('code') }, resources: { cpu: 2 }, outputs: [{ name: 'model' }] }).obj();

  it("takes every field from the Algo when the run sets none", () => {
    expect(algoRun(algo, {})).toEqual({ image: 'local/train:1', command: ['node'], args: ['train.js'], code: { digest: digestOf('code') }, resources: { cpu: 2 }, outputs: ['model'] });
  });

  it('lets every field the run sets win, and merges resources', () => {
    const run = algoRun(algo, { image: 'x:2', command: ['sh'], args: [], code: { digest: digestOf('other') }, resources: { gpu: 1 }, outputs: [{ name: 'out' }] });
    expect(run).toEqual({ image: 'x:2', command: ['sh'], args: [], code: { digest: digestOf('other') }, resources: { cpu: 2, gpu: 1 }, outputs: ['out'] });
  });

  it('runs only the overrides without an Algo', () => {
    expect(algoRun(undefined, { image: 'x:1' })).toEqual({ image: 'x:1', outputs: [] });
  });
});
