import { describe, expect, it } from 'vitest';
import { digestOf } from '../../../test/support/plan-builders.ts';
import { isApprovedRun, runDigest } from './run-digest.ts';

const base = { image: 'local/train:1', command: ['node', '/tessera/code/train.js'], code: digestOf('code') };
const pinned = `registry.example/train@sha256:${'a'.repeat(64)}`;

describe('runDigest', () => {
  it('is stable and a digest', () => {
    expect(runDigest(base)).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(runDigest({ ...base })).toBe(runDigest(base));
  });

  it.each([
    { name: 'another image', change: { image: 'local/train:2' } },
    { name: 'another command', change: { command: ['sh', '-c', 'cp -r /tessera/inputs /tessera/outputs'] } },
    { name: 'arguments', change: { args: ['--all'] } },
    { name: 'an environment', change: { env: [{ name: 'NODE_OPTIONS', value: '--require /tessera/inputs/x.js' }] } },
    { name: 'other code', change: { code: digestOf('changed code') } },
    { name: 'no code', change: { code: undefined } },
  ])('changes with $name', ({ change }) => {
    expect(runDigest({ ...base, ...change })).not.toBe(runDigest(base));
  });

  it('does not depend on the order of environment variables', () => {
    const a = runDigest({ ...base, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] });
    expect(runDigest({ ...base, env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] })).toBe(a);
  });

  it("leaves out the parameters (TESSERA_PARAMS, TESSERA_PARAM_<NAME>): each trial's differ, the approved code does not", () => {
    const params = [{ name: 'TESSERA_PARAMS', value: '{"lr":0.1}' }, { name: 'TESSERA_PARAM_LR', value: '0.1' }];
    expect(runDigest({ ...base, env: params })).toBe(runDigest(base));
    expect(runDigest({ ...base, env: [...params, { name: 'PYTHONPATH', value: '/tessera/inputs' }] })).toBe(runDigest({ ...base, env: [{ name: 'PYTHONPATH', value: '/tessera/inputs' }] }));
    expect(runDigest({ ...base, env: [{ name: 'TESSERA_PARAMETERS', value: 'x' }] })).not.toBe(runDigest(base));
  });
});

describe('isApprovedRun', () => {
  it.each([
    { name: 'its run digest listed', approved: [runDigest(base)], run: base, want: true },
    { name: 'another run digest listed', approved: [runDigest({ ...base, code: digestOf('old') })], run: base, want: false },
    { name: 'its code file set listed: not enough, the command is code too', approved: [digestOf('code')], run: base, want: false },
    { name: 'nothing listed', approved: [], run: base, want: false },
    { name: 'an image by digest, run as it is', approved: [pinned], run: { image: pinned }, want: true },
    { name: 'an image by digest with its own command', approved: [pinned], run: { image: pinned, command: ['sh'] }, want: false },
    { name: 'an image by digest with code mounted', approved: [pinned], run: { image: pinned, code: digestOf('code') }, want: false },
    { name: 'an image by digest with parameters only', approved: [pinned], run: { image: pinned, env: [{ name: 'TESSERA_PARAM_LR', value: '0.1' }] }, want: true },
    { name: 'an image by digest with another variable', approved: [pinned], run: { image: pinned, env: [{ name: 'NODE_OPTIONS', value: '--require x' }] }, want: false },
    { name: 'an image by tag, listed verbatim', approved: ['local/train:1'], run: { image: 'local/train:1' }, want: false },
  ])('$name → $want', ({ approved, run, want }) => {
    expect(isApprovedRun(approved, run)).toBe(want);
  });
});
