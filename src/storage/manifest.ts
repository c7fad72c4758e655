// A file-set version: the list of (path, digest, size, mode) whose canonical JSON's SHA-256 is its
// identity. Everything here is pure so the digest math and the path rules carry the table tests.
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** One regular file of a file set; `digest` is `sha256:<64 hex>` of its bytes. */
export interface ManifestEntry {
  path: string;
  digest: string;
  size: number;
  mode: number;
}

/** A file-set version; entries are sorted by path (UTF-8 byte order) with no duplicates. */
export interface Manifest {
  version: 1;
  entries: ManifestEntry[];
}

/** A manifest path that could escape the target directory or that no file system can hold. */
export class UnsafePathError extends Error {
  readonly path: string;
  /** What is wrong with it, e.g. `'..' segment`. */
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`unsafe path ${JSON.stringify(path)}: ${reason}`);
    this.name = 'UnsafePathError';
    this.path = path;
    this.reason = reason;
  }
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;
// Linux NAME_MAX and PATH_MAX; a longer name would fail at write time on the puller, so refuse early.
const maxSegmentBytes = 255;
const maxPathBytes = 4096;
// Permission bits only: setuid/setgid/sticky from an untrusted manifest are never restored.
const maxMode = 0o777;

/** Throws UnsafePathError unless `path` is a relative, normalized, '/'-separated path inside its root. */
export function checkSafePath(path: string): void {
  const reason = unsafePathReason(path);
  if (reason !== undefined) throw new UnsafePathError(path, reason);
}

function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return 'empty';
  if (path.includes('\0')) return 'contains NUL';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/')) return 'absolute';
  if (Buffer.byteLength(path) > maxPathBytes) return `longer than ${maxPathBytes} bytes`;
  for (const segment of path.split('/')) {
    const bad = unsafeSegmentReason(segment);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

function unsafeSegmentReason(segment: string): string | undefined {
  if (segment === '') return 'empty segment';
  if (segment === '.') return "'.' segment";
  if (segment === '..') return "'..' segment";
  if (Buffer.byteLength(segment) > maxSegmentBytes) return `segment longer than ${maxSegmentBytes} bytes`;
  return undefined;
}

/** Orders paths by their UTF-8 bytes, so every implementation sorts a manifest the same way. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The canonical JSON of a manifest: fixed key order, entries sorted by path, no whitespace. */
export function canonicalManifestJson(manifest: Manifest): string {
  const entries = [...manifest.entries]
    .sort((a, b) => comparePaths(a.path, b.path))
    .map((e) => ({ path: e.path, digest: e.digest, size: e.size, mode: e.mode }));
  return JSON.stringify({ version: manifest.version, entries });
}

/** A manifest's identity: `sha256:<hex>` of its canonical JSON, independent of entry order. */
export function manifestDigest(manifest: Manifest): string {
  return `sha256:${createHash('sha256').update(canonicalManifestJson(manifest)).digest('hex')}`;
}

/** Throws unless `digest` is `sha256:` followed by 64 lowercase hex digits. */
export function checkDigest(digest: string): void {
  if (!digestPattern.test(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
}

/** The hex part of a `sha256:<hex>` digest. */
export function digestHex(digest: string): string {
  checkDigest(digest);
  return digest.slice('sha256:'.length);
}

/** Where a blob with this digest lives in the store. */
export function blobKey(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

/** Where the manifest with this digest lives in the store. */
export function manifestKey(digest: string): string {
  return `manifests/sha256/${digestHex(digest)}`;
}

/** The blob key prefix, for listing every blob in the store. */
export const blobPrefix = 'blobs/sha256/';
/** The manifest key prefix, for listing every manifest in the store. */
export const manifestPrefix = 'manifests/sha256/';

const entrySchema = z.strictObject({
  path: z.string(),
  digest: z.string().regex(digestPattern),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  mode: z.number().int().min(0).max(maxMode),
});

const manifestSchema = z.strictObject({
  version: z.literal(1),
  entries: z.array(entrySchema),
});

/**
 * Parses untrusted input into a Manifest: shape, digests, modes, every path safe, no duplicate path
 * (also when case is folded) and no path that is both a file and a directory. Entry order is not
 * checked (the digest sorts).
 */
export function validateManifest(input: unknown): Manifest {
  const manifest = manifestSchema.parse(input);
  for (const entry of manifest.entries) checkSafePath(entry.path);
  checkNoConflicts(manifest.entries.map((e) => e.path));
  return manifest;
}

/**
 * The name a case-insensitive file system (macOS, Windows) gives `path`: Unicode-normalized (NFC,
 * so composed and decomposed accents meet) and lower-cased. Two paths with the same folded name are
 * one file there, and the second written would silently replace the first.
 */
export function foldedPath(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

// 'a' twice, 'A' and 'a', or 'a' and 'a/b' (also 'A' and 'a/b') cannot all be written on every
// file system: refuse instead of letting the puller's result depend on write order or platform.
function checkNoConflicts(paths: string[]): void {
  const files = new Map<string, string>();
  for (const path of paths) {
    const folded = foldedPath(path);
    const other = files.get(folded);
    if (other === path) throw new UnsafePathError(path, 'listed twice');
    if (other !== undefined) throw new UnsafePathError(path, `collides with ${JSON.stringify(other)} when case is folded`);
    files.set(folded, path);
  }
  for (const path of paths) {
    const parent = findFileAncestor(foldedPath(path), files);
    if (parent !== undefined) throw new UnsafePathError(path, `its parent ${JSON.stringify(parent)} is a file`);
  }
}

function findFileAncestor(folded: string, files: ReadonlyMap<string, string>): string | undefined {
  let slash = folded.indexOf('/');
  while (slash !== -1) {
    const ancestor = files.get(folded.slice(0, slash));
    if (ancestor !== undefined) return ancestor;
    slash = folded.indexOf('/', slash + 1);
  }
  return undefined;
}
