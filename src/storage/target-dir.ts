// Creating a pull's directories so that no write can land outside the target root, even when the
// root already holds symlinks (left by an earlier run or planted by the image).
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { UnsafePathError } from './manifest.ts';

/** Creates `dir` if needed and returns its canonical path, the root every write is checked against. */
export async function prepareRoot(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}

/** Every directory the files need, parents before children ('' for the root is left out). */
export function parentDirectories(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    let slash = path.indexOf('/');
    while (slash !== -1) {
      dirs.add(path.slice(0, slash));
      slash = path.indexOf('/', slash + 1);
    }
  }
  // A parent is a prefix of its children, so it sorts first.
  return [...dirs].sort();
}

/**
 * Creates each directory under `root` one level at a time, refusing any existing component that is
 * a symlink or not a directory: after this, every parent of every file is a real directory in root.
 */
export async function createDirectories(root: string, relativeDirs: readonly string[]): Promise<void> {
  for (const relative of relativeDirs) await ensureRealDirectory(root, relative);
}

async function ensureRealDirectory(root: string, relative: string): Promise<void> {
  const absolute = join(root, relative);
  try {
    await mkdir(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stats = await lstat(absolute);
  if (stats.isSymbolicLink()) throw new UnsafePathError(relative, 'is a symbolic link in the target directory');
  if (!stats.isDirectory()) throw new UnsafePathError(relative, 'is not a directory in the target directory');
}

/**
 * Throws unless `directory` (an absolute path under `root`) resolves to itself, i.e. no component
 * was swapped for a symlink after createDirectories checked it.
 */
export async function checkInsideRoot(root: string, directory: string): Promise<void> {
  const real = await realpath(directory);
  const inside = real === root || real.startsWith(root.endsWith('/') ? root : `${root}/`);
  if (real !== directory || !inside) {
    throw new UnsafePathError(directory, `resolves to ${real}, outside ${root} or through a link`);
  }
}

/** How a case-insensitive file system (macOS, Windows) names a path: case and normalization folded. */
function foldedName(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/**
 * Throws UnsafePathError when two of the paths, or two of their parent directories, are different
 * names for the same file on a case-insensitive file system (`Model.bin` and `model.bin`, `A/x`
 * and `a/y`): written there, one would silently overwrite or merge into the other. Pure.
 */
export function checkNoCaseCollisions(paths: readonly string[]): void {
  const seen = new Map<string, string>();
  const claim = (name: string): void => {
    const folded = foldedName(name);
    const other = seen.get(folded);
    if (other === undefined) seen.set(folded, name);
    else if (other !== name) throw new UnsafePathError(name, `differs from ${JSON.stringify(other)} only in case; on a case-insensitive file system they are the same file`);
  };
  for (const path of paths) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) claim(path.slice(0, slash));
    claim(path);
  }
}
