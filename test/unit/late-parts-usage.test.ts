import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lateParts, type LatePart } from '../support/late-parts-order.ts';

// On a machine without the late parts, a file that runs one without awaiting it fails only there
// (and is not run last): every cluster-backed test file that reaches a late part, directly or through
// the modules it imports, must await it (test/support/late-parts.ts).

const root = fileURLToPath(new URL('../../', import.meta.url));
const reachedThrough: Record<LatePart, (path: string, source: string) => boolean> = {
  health: (path) => path === 'test/support/health.ts',
  promtool: (path) => path === 'test/support/promtool.ts',
  helm: (path) => path === 'test/support/helm.ts',
  kueue: (path) => path === 'test/support/kueue.ts',
  minio: (_path, source) => source.includes('stores.minio'),
};

/** The repository's .ts files a file reaches through relative imports, itself included. */
function closure(start: string): Map<string, string> {
  const seen = new Map<string, string>();
  const pending = [start];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path)) continue;
    const source = readFileSync(join(root, path), 'utf8');
    seen.set(path, source);
    for (const [, spec] of source.matchAll(/from '(\.\.?\/[^']+\.ts)'/g)) pending.push(relative(root, resolve(root, dirname(path), spec!)));
  }
  return seen;
}

const awaited = (source: string): LatePart[] => [...source.matchAll(/\bawaitLatePart\(\s*'([a-z]+)'/g)].map(([, part]) => part as LatePart);

const clusterFiles = ['integration', 'security', 'e2e'].flatMap((tier) =>
  readdirSync(join(root, 'test', tier), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `test/${tier}/${name}`),
);

describe('the files that use a late part', () => {
  it('are found (the check reads the cluster-backed tiers)', () => {
    expect(clusterFiles.length).toBeGreaterThan(50);
  });

  it.each(clusterFiles)('%s awaits every late part it reaches', (file) => {
    const reached = closure(file);
    const needed = lateParts.filter((part) => [...reached].some(([path, source]) => path !== 'test/support/late-parts.ts' && reachedThrough[part](path, source)));
    expect(awaited(reached.get(file)!).sort(), `${file} reaches ${needed.join(', ') || 'none'}: await each with beforeAll(() => awaitLatePart(part), latePartWaitMs)`).toEqual([...needed].sort());
  });
});
