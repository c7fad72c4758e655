import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The image and the npm package run src/ bundled by esbuild and split at each dynamic import
// (scripts/bundle-cli.sh --split). There, `await import('pkg')` of a CommonJS package yields only
// a default export: `const { parse } = await import('yaml')` works from the sources and fails in
// the bundle ("parse is not a function"). So a package src/ imports dynamically must be an ES
// module, or stay out of the bundle (esbuild, --external).

const repo = fileURLToPath(new URL('../../', import.meta.url));
const externalToBundle = new Set(['esbuild']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The bare package names `source` imports with import(), e.g. `yaml` or `@scope/name`. */
export function dynamicPackageImports(source: string): string[] {
  const names = [...source.matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g)].map((m) => m[1]!);
  return names.filter((name) => !name.startsWith('node:')).map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!));
}

function isEsModule(name: string): boolean {
  const manifest = JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { type?: string };
  return manifest.type === 'module';
}

describe('dynamic imports of packages in src/', () => {
  it('finds bare package names, not relative modules or Node built-ins', () => {
    expect(dynamicPackageImports("await import('yaml'); await import('./x.ts'); await import('node:fs'); await import('@kubernetes/client-node/dist/gen')")).toEqual(['yaml', '@kubernetes/client-node']);
  });

  it('name only ES-module packages, or ones the bundle leaves out', () => {
    const offenders = sourceFiles(join(repo, 'src')).flatMap((file) =>
      dynamicPackageImports(readFileSync(file, 'utf8'))
        .filter((name) => !externalToBundle.has(name) && !isEsModule(name))
        .map((name) => `${file.slice(repo.length)}: import('${name}') (CommonJS: import it statically in a module loaded lazily instead)`),
    );
    expect(offenders).toEqual([]);
  });
});
