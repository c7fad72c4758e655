import { describe, expect, it } from 'vitest';
import {
  UnsafePathError,
  blobKey,
  canonicalManifestJson,
  checkSafePath,
  manifestDigest,
  manifestKey,
  validateManifest,
  type Manifest,
  type ManifestEntry,
} from './manifest.ts';

const hexA = 'a'.repeat(64);
const hexB = 'b'.repeat(64);

function entry(path: string, overrides: Partial<ManifestEntry> = {}): ManifestEntry {
  return { path, digest: `sha256:${hexA}`, size: 1, mode: 0o644, ...overrides };
}

function manifest(...entries: ManifestEntry[]): Manifest {
  return { version: 1, entries };
}

describe('canonicalManifestJson and manifestDigest', () => {
  it('writes fixed key order, sorted entries and no whitespace', () => {
    const m = manifest(entry('b', { mode: 0o755 }), entry('a'));
    expect(canonicalManifestJson(m)).toBe(
      `{"version":1,"entries":[{"path":"a","digest":"sha256:${hexA}","size":1,"mode":420},` +
        `{"path":"b","digest":"sha256:${hexA}","size":1,"mode":493}]}`,
    );
  });

  it('gives the same digest whatever the entry order or the key order of each entry', () => {
    const sorted = manifest(entry('a'), entry('b/c'), entry('b/d'));
    const shuffled = manifest(entry('b/d'), entry('a'), entry('b/c'));
    const reKeyed: Manifest = {
      version: 1,
      entries: sorted.entries.map((e) => ({ mode: e.mode, size: e.size, digest: e.digest, path: e.path })),
    };
    expect(manifestDigest(shuffled)).toBe(manifestDigest(sorted));
    expect(manifestDigest(reKeyed)).toBe(manifestDigest(sorted));
  });

  it('changes the digest when any field of any entry changes', () => {
    const base = manifestDigest(manifest(entry('a'), entry('b')));
    const variants = [
      manifest(entry('a'), entry('c')),
      manifest(entry('a'), entry('b', { digest: `sha256:${hexB}` })),
      manifest(entry('a'), entry('b', { size: 2 })),
      manifest(entry('a'), entry('b', { mode: 0o755 })),
      manifest(entry('a')),
    ];
    for (const variant of variants) expect(manifestDigest(variant)).not.toBe(base);
  });

  it('sorts by UTF-8 bytes, not UTF-16 code units', () => {
    // In UTF-16 U+1F600 (surrogates D83D DE00) sorts before U+FF5E; in UTF-8 (F0 9F 98 80 vs
    // EF BD 9E) it sorts after. Other languages sort bytes, so the byte order must win.
    const json = canonicalManifestJson(manifest(entry('\u{1F600}'), entry('\uFF5E')));
    expect(json.indexOf('\uFF5E')).toBeLessThan(json.indexOf('\u{1F600}'));
  });

  it('is the sha256 of the canonical JSON, pinned so a change to the format cannot slip in', () => {
    // sha256('{"version":1,"entries":[]}')
    expect(manifestDigest(manifest())).toBe('sha256:8bcae181d21321b79e1cee4976a6c9759a0f03769dde64b6f821ab5d22a33921');
  });
});

describe('checkSafePath', () => {
  const unsafe: Array<[string, string, RegExp]> = [
    ['empty', '', /empty/],
    ['absolute', '/etc/passwd', /absolute/],
    ['parent segment', '../x', /'\.\.' segment/],
    ['parent segment in the middle', 'a/../../x', /'\.\.' segment/],
    ['trailing parent segment', 'a/..', /'\.\.' segment/],
    ['current-directory segment', './a', /'\.' segment/],
    ['lone dot', '.', /'\.' segment/],
    ['empty segment', 'a//b', /empty segment/],
    ['trailing slash', 'a/', /empty segment/],
    ['backslash', 'a\\..\\b', /backslash/],
    ['NUL', 'a\0b', /NUL/],
    ['segment over 255 bytes', 'd/' + 'x'.repeat(256), /segment longer than 255/],
    ['segment over 255 bytes in UTF-8 though 128 characters', 'é'.repeat(128), /segment longer than 255/],
    ['path over 4096 bytes', Array.from({ length: 20 }, () => 'y'.repeat(250)).join('/'), /longer than 4096/],
  ];
  it.each(unsafe)('refuses %s', (_name, path, reason) => {
    expect(() => checkSafePath(path)).toThrow(UnsafePathError);
    expect(() => checkSafePath(path)).toThrow(reason);
  });

  const safe: Array<[string, string]> = [
    ['a plain name', 'model.bin'],
    ['nested directories', 'a/b/c/d.txt'],
    ['dotfiles and names with dots', '.hidden/..config/a..b'],
    ['a 255-byte segment', 'x'.repeat(255)],
    ['unicode', 'données/模型.bin'],
    ['spaces and colons', 'C:/my file.txt'],
  ];
  it.each(safe)('accepts %s', (_name, path) => {
    expect(() => checkSafePath(path)).not.toThrow();
  });
});

describe('validateManifest', () => {
  it('returns a well-formed manifest unchanged', () => {
    const m = manifest(entry('a'), entry('b/c', { mode: 0o755, size: 0 }));
    expect(validateManifest(structuredClone(m))).toEqual(m);
  });

  const bad: Array<[string, unknown, RegExp | typeof UnsafePathError]> = [
    ['another version', { version: 2, entries: [] }, /version/],
    ['an unknown field', { version: 1, entries: [], extra: 1 }, /extra/],
    ['a digest that is not sha256 hex', manifest(entry('a', { digest: 'sha256:XYZ' })), /digest/],
    ['a negative size', manifest(entry('a', { size: -1 })), /size/],
    ['setuid in the mode', manifest(entry('a', { mode: 0o4755 })), /mode/],
    ['an unsafe path', manifest(entry('../a')), UnsafePathError],
    ['a path listed twice', manifest(entry('a'), entry('a')), /listed twice/],
    ['a file that is also a directory', manifest(entry('a'), entry('a/b')), /parent "a" is a file/],
    ['two names that differ only in case', manifest(entry('Model.bin'), entry('model.bin')), /collides with "Model.bin" when case is folded/],
    ['a composed and a decomposed accent', manifest(entry('caf\u00e9'), entry('cafe\u0301')), /when case is folded/],
    ['a file whose case-folded name is a directory', manifest(entry('Data'), entry('data/x')), /parent "Data" is a file/],
  ];
  it('accepts directories that differ only in case holding different files (they merge, nothing is replaced)', () => {
    expect(() => validateManifest(manifest(entry('A/x'), entry('a/y')))).not.toThrow();
  });

  it.each(bad)('refuses %s', (_name, input, error) => {
    expect(() => validateManifest(input)).toThrow(error);
  });
});

describe('store keys', () => {
  it('puts blobs and manifests under their hex digest', () => {
    expect(blobKey(`sha256:${hexA}`)).toBe(`blobs/sha256/${hexA}`);
    expect(manifestKey(`sha256:${hexB}`)).toBe(`manifests/sha256/${hexB}`);
  });

  it('refuses anything but a sha256 digest, so no key can be steered elsewhere', () => {
    expect(() => blobKey(`sha256:../../${hexA.slice(6)}`)).toThrow(/not a sha256 digest/);
    expect(() => manifestKey(hexA)).toThrow(/not a sha256 digest/);
  });
});
