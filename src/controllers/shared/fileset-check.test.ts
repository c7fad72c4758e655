import { describe, expect, it } from 'vitest';
import type { FileSetVerdict } from '../../storage/manifest-cache.ts';
import { digestsRead, firstUnusableFileSet, verdictProblem } from './fileset-check.ts';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

describe('verdictProblem', () => {
  const cases: Array<{ name: string; verdict: FileSetVerdict; wantReason?: string; wantMessage?: RegExp }> = [
    { name: 'valid is no problem', verdict: { kind: 'valid', files: 1, bytes: 1 } },
    { name: 'missing is not this check’s business', verdict: { kind: 'missing' } },
    {
      name: 'unsafe names the path',
      verdict: { kind: 'unsafe', path: '../x', message: `unsafe path "../x": '..' segment` },
      wantReason: 'UnsafeFileSet',
      wantMessage: /file set sha256:a+ has an unsafe path "\.\.\/x": '\.\.' segment/,
    },
    { name: 'corrupt says so', verdict: { kind: 'corrupt', message: 'not JSON' }, wantReason: 'CorruptFileSet', wantMessage: /is corrupt: not JSON/ },
  ];
  it.each(cases)('$name', ({ verdict, wantReason, wantMessage }) => {
    const problem = verdictProblem(digest('a'), verdict);
    expect(problem?.reason).toBe(wantReason);
    if (wantMessage) expect(problem?.message).toMatch(wantMessage);
  });
});

describe('firstUnusableFileSet', () => {
  it('finds the first unsafe one, asking once per digest', async () => {
    const asked: string[] = [];
    const verdicts: Record<string, FileSetVerdict> = {
      [digest('a')]: { kind: 'valid', files: 1, bytes: 1 },
      [digest('b')]: { kind: 'unsafe', path: '/abs', message: 'unsafe path "/abs": absolute' },
    };
    const manifests = { check: (d: string): Promise<FileSetVerdict> => (asked.push(d), Promise.resolve(verdicts[d] ?? { kind: 'missing' })) };
    const problem = await firstUnusableFileSet([digest('a'), digest('a'), digest('b'), digest('c')], manifests);
    expect(problem).toMatchObject({ digest: digest('b'), reason: 'UnsafeFileSet' });
    expect(asked).toEqual([digest('a'), digest('b')]);
  });

  it('is undefined when every file set is valid or not there yet', async () => {
    const manifests = { check: (d: string): Promise<FileSetVerdict> => Promise.resolve(d === digest('a') ? { kind: 'missing' } : { kind: 'valid', files: 0, bytes: 0 }) };
    expect(await firstUnusableFileSet([digest('a'), digest('b')], manifests)).toBeUndefined();
  });
});

describe('digestsRead', () => {
  it('is the inputs and the code', () => {
    expect(digestsRead({ inputs: [{ digest: digest('a') }], code: { digest: digest('c') } })).toEqual([digest('a'), digest('c')]);
    expect(digestsRead({ inputs: [] })).toEqual([]);
  });
});
