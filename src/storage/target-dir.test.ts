import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafePathError } from './manifest.ts';
import { checkInsideRoot, checkNoCaseCollisions, createDirectories, parentDirectories, prepareRoot } from './target-dir.ts';

describe('parentDirectories', () => {
  it('lists every ancestor once, parents before children, leaving out the root', () => {
    expect(parentDirectories(['top.txt', 'a/b/c.txt', 'a/b/d.txt', 'a-b/e', 'a/f'])).toEqual(['a', 'a-b', 'a/b']);
  });
});

describe('checkNoCaseCollisions', () => {
  it.each([
    { name: 'distinct names', paths: ['a.txt', 'b.txt', 'dir/a.txt'], want: undefined },
    { name: 'the same directory named by many files', paths: ['d/a', 'd/b', 'd/e/f'], want: undefined },
    { name: 'two files differing in case', paths: ['Model.bin', 'model.bin'], want: /"model.bin": differs from "Model.bin" only in case/ },
    { name: 'two directories differing in case', paths: ['A/x', 'a/y'], want: /"a": differs from "A" only in case/ },
    { name: 'a file and a directory differing in case', paths: ['data', 'Data/x'], want: /"Data": differs from "data"/ },
    { name: 'composed and decomposed accents', paths: ['caf\u00e9', 'cafe\u0301'], want: /only in case/ },
  ])('$name', ({ paths, want }) => {
    if (want) expect(() => checkNoCaseCollisions(paths)).toThrow(want);
    else expect(() => checkNoCaseCollisions(paths)).not.toThrow();
  });

  it('names the offending path in an UnsafePathError', () => {
    expect(() => checkNoCaseCollisions(['README', 'readme'])).toThrow(UnsafePathError);
  });
});

// These touch only a private temporary directory; they pin the file-system guard the pull relies on.
describe('createDirectories and checkInsideRoot', () => {
  let scratch = '';
  let root = '';
  let outside = '';
  beforeEach(async () => {
    scratch = await realpath(await mkdtemp(join(tmpdir(), 'tessera-target-')));
    outside = join(scratch, 'outside');
    await mkdir(outside);
    root = await prepareRoot(join(scratch, 'root'));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('creates nested directories inside the root', async () => {
    await createDirectories(root, ['a', 'a/b']);
    await expect(checkInsideRoot(root, join(root, 'a', 'b'))).resolves.toBeUndefined();
  });

  it('refuses an existing symlink among the components', async () => {
    await symlink(outside, join(root, 'a'));
    await expect(createDirectories(root, ['a', 'a/b'])).rejects.toThrow(UnsafePathError);
    await expect(checkInsideRoot(root, join(root, 'a'))).rejects.toThrow(/through a link/);
  });

  it('refuses an existing file where a directory is needed', async () => {
    await writeFile(join(root, 'a'), 'x');
    await expect(createDirectories(root, ['a'])).rejects.toThrow(/not a directory/);
  });
});
