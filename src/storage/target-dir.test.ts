import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafePathError } from './manifest.ts';
import { checkInsideRoot, createDirectories, parentDirectories, prepareRoot } from './target-dir.ts';

describe('parentDirectories', () => {
  it('lists every ancestor once, parents before children, leaving out the root', () => {
    expect(parentDirectories(['top.txt', 'a/b/c.txt', 'a/b/d.txt', 'a-b/e', 'a/f'])).toEqual(['a', 'a-b', 'a/b']);
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
