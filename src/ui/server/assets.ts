import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

// The page's static files: index.html, app.js and app-style.css, bundled by esbuild (src/ui/build.ts).
// Where they come from depends on how `tessera` runs: in a checkout, `dist/ui/` (bundled on start);
// from the npm package, `ui/` beside its one CommonJS file; in the image, `ui/` beside the bundle's
// chunks; as the single executable
// kubectl-tessera, from the assets embedded in it. Only the bundle's own files are served: a path
// that leaves it is not found.

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The bundle's files, by name. */
export interface AssetSource {
  /** Where they are, to say so. */
  readonly where: string;
  read(name: string): Promise<Buffer | undefined>;
}

/** The bundle in `dir`. */
export function directorySource(dir: string): AssetSource {
  return { where: dir, read: (name) => readFile(join(dir, name)).catch(() => undefined) };
}

/** The bundle embedded in a single executable (Node's SEA `assets`), when this is one. */
async function embeddedSource(): Promise<AssetSource | undefined> {
  const sea = await import('node:sea').catch(() => undefined);
  if (!sea?.isSea()) return undefined;
  return {
    where: 'this executable',
    read: (name) => {
      try {
        return Promise.resolve(Buffer.from(sea.getAsset(`ui/${name}`)));
      } catch {
        return Promise.resolve(undefined);
      }
    },
  };
}

/**
 * Where this `tessera` finds the page. The packaged CLI is one CommonJS file, where `import.meta.url`
 * is empty and `__dirname` is the package's directory; the image's split bundle (.mjs chunks) has
 * `ui/` beside its chunks; `build` runs only in a checkout.
 */
export async function assetSource(build: (dir: string) => Promise<unknown>): Promise<AssetSource> {
  const moduleUrl = import.meta.url as string | undefined;
  if (!moduleUrl) return (await embeddedSource()) ?? directorySource(join(typeof __dirname === 'string' ? __dirname : dirname(process.execPath), 'ui'));
  if (moduleUrl.endsWith('.mjs')) return directorySource(fileURLToPath(new URL('./ui/', moduleUrl)));
  const dir = fileURLToPath(new URL('../../../dist/ui/', moduleUrl));
  await prepareAssets(dir, build);
  return directorySource(dir);
}

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
export async function asset(source: AssetSource, urlPath: string): Promise<{ type: string; body: Buffer } | undefined> {
  const relative = urlPath === '/' ? 'index.html' : normalize(urlPath).replace(/^[/\\]+/, '');
  const type = types[extname(relative)];
  if (!type || relative.startsWith('..') || relative.includes('/')) return undefined;
  const body = await source.read(relative);
  return body ? { type, body } : undefined;
}
