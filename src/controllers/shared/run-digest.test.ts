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
    { name: 'an image by tag, listed verbatim', approved: ['local/train:1'], run: { image: 'local/train:1' }, want: false },
  ])('$name → $want', ({ approved, run, want }) => {
    expect(isApprovedRun(approved, run)).toBe(want);
  });
});
