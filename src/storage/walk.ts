// Lists the regular files of a directory tree for a push, refusing what a file set cannot carry.
import { constants } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSafePath } from './manifest.ts';
import { checkNoCaseCollisions } from './target-dir.ts';

/** A regular file found under the pushed root. */
export interface LocalFile {
  /** Relative to the root, '/'-separated: the manifest path. */
  path: string;
  absolutePath: string;
  /** Permission bits only. */
  mode: number;
  /** Identity at walk time, so a later open can prove it reads the same file. */
  dev: number;
  ino: number;
}

/** A symlink, device, FIFO or socket in a pushed tree: file sets hold regular files only. */
export class UnsupportedFileError extends Error {
  readonly path: string;
  constructor(path: string, kind: string) {
    super(`${path} is a ${kind}; file sets hold only regular files and directories`);
    this.name = 'UnsupportedFileError';
    this.path = path;
  }
}

/**
 * Every regular file under `root`, depth first. Throws UnsupportedFileError on anything else
 * (a symlink could point outside the tree), on a root that is itself a symlink, and UnsafePathError
 * on a name a puller would refuse (names equal under case folding included). Empty directories are
 * not represented.
 */
export async function listRegularFiles(root: string): Promise<LocalFile[]> {
  await checkRealDirectory(root);
  const files: LocalFile[] = [];
  await walkInto(root, '', files);
  checkNoCaseCollisions(files.map((f) => f.path));
  return files;
}

/**
 * Throws unless `dir` itself is a directory and not a symlink: readdir follows a link, so a root
 * planted as `ln -s /var/run/secrets/… outputs/model` would push whatever the link names.
 */
export async function checkRealDirectory(dir: string): Promise<void> {
  const stats = await lstat(dir);
  if (stats.isSymbolicLink()) throw new UnsupportedFileError(dir, 'symbolic link');
  if (!stats.isDirectory()) throw new UnsupportedFileError(dir, stats.isFile() ? 'regular file, not a directory' : 'special file');
  // And opened without following, so a link swapped in after the lstat is refused too.
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch((error: unknown) => {
    throw new UnsupportedFileError(dir, `directory that cannot be opened without following links (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  });
  await handle.close();
}

async function walkInto(root: string, relativeDir: string, files: LocalFile[]): Promise<void> {
  const absoluteDir = relativeDir === '' ? root : join(root, relativeDir);
  const entries = await readdir(absoluteDir, { withFileTypes: true });
  for (const entry of entries) {
    const path = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
    checkSafePath(path);
    if (entry.isDirectory()) {
      await walkInto(root, path, files);
    } else if (entry.isFile()) {
      const absolutePath = join(absoluteDir, entry.name);
      const stats = await lstat(absolutePath);
      files.push({ path, absolutePath, mode: stats.mode & 0o777, dev: stats.dev, ino: stats.ino });
    } else {
      throw new UnsupportedFileError(join(absoluteDir, entry.name), fileKind(entry));
    }
  }
}

/**
 * Opens a file found by the walk, refusing it if it has since been replaced: a symlink planted in
 * its place (O_NOFOLLOW), or a directory above it swapped for a link (a different inode). Without
 * this, a tree changing under the push could smuggle in a file from outside it.
 */
export async function openWalkedFile(file: LocalFile): Promise<FileHandle> {
  const handle = await open(file.absolutePath, constants.O_RDONLY | constants.O_NOFOLLOW);
  const stats = await handle.stat();
  if (stats.isFile() && stats.dev === file.dev && stats.ino === file.ino) return handle;
  await handle.close();
  throw new Error(`${file.absolutePath} was replaced while being pushed`);
}

function fileKind(entry: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (entry.isSymbolicLink()) return 'symbolic link';
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  return 'device';
}
