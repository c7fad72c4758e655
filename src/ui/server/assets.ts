import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

// The page's static files, from the bundle directory. Only the bundle's own files are served: a
// path that leaves the directory is not found.

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Makes sure the bundle is there: builds it when esbuild is installed, else expects `npm run ui:build`'s. */
export async function prepareAssets(dir: string, build: (dir: string) => Promise<unknown>): Promise<void> {
  try {
    await build(dir);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    if (!missing) throw error;
    const built = await stat(join(dir, 'app.js')).then(() => true, () => false);
    if (!built) throw new Error(`the dashboard's page is not built and esbuild is not installed: run \`npm run ui:build\` in a checkout (it writes ${dir})`, { cause: error });
  }
}

/** The file for a URL path, or undefined when it is not part of the bundle. */
export async function asset(dir: string, urlPath: string): Promise<{ type: string; body: Buffer } | undefined> {
  const relative = urlPath === '/' ? 'index.html' : normalize(urlPath).replace(/^[/\\]+/, '');
  const type = types[extname(relative)];
  if (!type || relative.startsWith('..') || relative.includes('/')) return undefined;
  const body = await readFile(join(dir, relative)).catch(() => undefined);
  return body ? { type, body } : undefined;
}
