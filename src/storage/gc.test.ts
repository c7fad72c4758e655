import { describe, expect, it } from 'vitest';
import { protectedManifests, unreferencedBlobs, unusedManifests, type GracePolicy } from './gc.ts';
import type { Manifest } from './manifest.ts';
import type { StoredObject } from './object-store.ts';

const hour = 60 * 60 * 1000;
const now = new Date('2026-01-02T00:00:00Z');
const policy: GracePolicy = { now, graceMs: hour };

const hex = (c: string): string => c.repeat(64);
const digest = (c: string): string => `sha256:${hex(c)}`;

/** A stored object `ageMs` old (relative to `now`) holding `size` bytes. */
function blob(c: string, ageMs = 2 * hour, size = 10): StoredObject {
  return { key: `blobs/sha256/${hex(c)}`, size, lastModified: new Date(now.getTime() - ageMs) };
}

function storedManifest(c: string, ageMs = 2 * hour): StoredObject {
  return { key: `manifests/sha256/${hex(c)}`, size: 100, lastModified: new Date(now.getTime() - ageMs) };
}

function manifestOf(...blobChars: string[]): Manifest {
  return {
    version: 1,
    entries: blobChars.map((c, i) => ({ path: `f${i}`, digest: digest(c), size: 10, mode: 0o644 })),
  };
}

describe('unreferencedBlobs', () => {
  const cases: Array<{ name: string; blobs: StoredObject[]; live: Manifest[]; wantDeleted: string[] }> = [
    { name: 'an empty store', blobs: [], live: [], wantDeleted: [] },
    { name: 'no live manifest: every old blob', blobs: [blob('a'), blob('b')], live: [], wantDeleted: ['a', 'b'] },
    { name: 'all referenced', blobs: [blob('a'), blob('b')], live: [manifestOf('a', 'b')], wantDeleted: [] },
    { name: 'only the unreferenced one', blobs: [blob('a'), blob('b'), blob('c')], live: [manifestOf('a'), manifestOf('c')], wantDeleted: ['b'] },
    { name: 'a blob shared by two manifests stays while either lives', blobs: [blob('a'), blob('b')], live: [manifestOf('a', 'b')], wantDeleted: [] },
    { name: 'a recent unreferenced blob (a push in flight) is kept', blobs: [blob('a', hour / 2), blob('b')], live: [], wantDeleted: ['b'] },
    { name: 'exactly at the grace boundary counts as old', blobs: [blob('a', hour)], live: [], wantDeleted: ['a'] },
    { name: 'references to blobs not in the store change nothing', blobs: [blob('a')], live: [manifestOf('b', 'c')], wantDeleted: ['a'] },
  ];
  it.each(cases)('$name', ({ blobs, live, wantDeleted }) => {
    const deleted = unreferencedBlobs(blobs, live, policy).map((b) => b.key);
    expect(deleted).toEqual(wantDeleted.map((c) => `blobs/sha256/${hex(c)}`));
  });
});

describe('unusedManifests', () => {
  const cases: Array<{ name: string; stored: StoredObject[]; live: string[]; wantDeleted: string[] }> = [
    { name: 'live ones stay', stored: [storedManifest('a'), storedManifest('b')], live: [digest('a'), digest('b')], wantDeleted: [] },
    { name: 'old unused ones go', stored: [storedManifest('a'), storedManifest('b')], live: [digest('a')], wantDeleted: ['b'] },
    { name: 'recent unused ones stay (a push not yet recorded)', stored: [storedManifest('a', 1000)], live: [], wantDeleted: [] },
  ];
  it.each(cases)('$name', ({ stored, live, wantDeleted }) => {
    expect(unusedManifests(stored, live, policy).map((m) => m.key)).toEqual(wantDeleted.map((c) => `manifests/sha256/${hex(c)}`));
  });
});

describe('protectedManifests', () => {
  it('is the live digests plus every recent manifest, each once', () => {
    const stored = [storedManifest('a'), storedManifest('b', 1000), storedManifest('c', 1000)];
    expect(protectedManifests(stored, [digest('a'), digest('c'), digest('d')], policy).sort()).toEqual(
      [digest('a'), digest('b'), digest('c'), digest('d')].sort(),
    );
  });
});
