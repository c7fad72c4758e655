import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafePathError } from './manifest.ts';
import { listRegularFiles, UnsupportedFileError } from './walk.ts';

// A private temporary directory stands in for a run's /tessera/outputs.
describe('listRegularFiles', () => {
  let scratch = '';
  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tessera-walk-'));
    await mkdir(join(scratch, 'secret'));
    await writeFile(join(scratch, 'secret', 'token'), 'not for upload');
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('lists the regular files of a real directory', async () => {
    await mkdir(join(scratch, 'out', 'sub'), { recursive: true });
    await writeFile(join(scratch, 'out', 'sub', 'a.txt'), 'a');
    expect((await listRegularFiles(join(scratch, 'out'))).map((f) => f.path)).toEqual(['sub/a.txt']);
  });

  it('refuses a root that is a symlink, naming it, instead of listing what it points to', async () => {
    await symlink(join(scratch, 'secret'), join(scratch, 'out'));
    await expect(listRegularFiles(join(scratch, 'out'))).rejects.toThrow(UnsupportedFileError);
    await expect(listRegularFiles(join(scratch, 'out'))).rejects.toThrow(`${join(scratch, 'out')} is a symbolic link`);
  });

  it('refuses a symlink inside the tree', async () => {
    await mkdir(join(scratch, 'out'));
    await symlink(join(scratch, 'secret', 'token'), join(scratch, 'out', 'model'));
    await expect(listRegularFiles(join(scratch, 'out'))).rejects.toThrow(/model is a symbolic link/);
  });

  it('refuses two names that differ only in case', async () => {
    await mkdir(join(scratch, 'out'));
    await writeFile(join(scratch, 'out', 'Model.bin'), '1');
    await writeFile(join(scratch, 'out', 'model.bin'), '2');
    await expect(listRegularFiles(join(scratch, 'out'))).rejects.toThrow(UnsafePathError);
    await expect(listRegularFiles(join(scratch, 'out'))).rejects.toThrow(/only in case/);
  });
});
