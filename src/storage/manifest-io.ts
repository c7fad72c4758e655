// Manifests in the store: written in canonical form under their own digest, read back verified.
import { z } from 'zod';
import { ChecksumMismatchError, sha256Bytes } from './hashing.ts';
import { UnsafePathError, canonicalManifestJson, digestHex, manifestKey, validateManifest, type Manifest } from './manifest.ts';
import type { BlobStore } from './object-store.ts';

// A manifest is read whole into memory; far beyond any real tree, small enough not to exhaust a pod.
const maxManifestBytes = 256 * 1024 * 1024;

/** A stored manifest that is not JSON, not in canonical form, or too large. */
export class InvalidManifestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidManifestError';
  }
}

/** Whether an error from readManifest means the manifest itself is bad (terminal), not the I/O. */
export function isInvalidManifest(error: unknown): boolean {
  return (
    error instanceof InvalidManifestError ||
    error instanceof UnsafePathError ||
    error instanceof ChecksumMismatchError ||
    error instanceof z.ZodError
  );
}

/** Writes a manifest under its digest unless it is already there; returns the bytes written. */
export async function writeManifest(store: BlobStore, manifest: Manifest, digest: string): Promise<number> {
  if (await store.has(manifestKey(digest))) return 0;
  return putManifest(store, manifest, digest);
}

/**
 * Writes a manifest under its digest even if it is there: the same bytes, a fresh modification time,
 * so garbage collection's grace period protects it again (an old, unused copy could otherwise be
 * collected right after a commit relied on it). Returns the bytes written.
 */
export async function putManifest(store: BlobStore, manifest: Manifest, digest: string): Promise<number> {
  const bytes = Buffer.from(canonicalManifestJson(manifest));
  await store.put(manifestKey(digest), bytes, bytes.length, digestHex(digest));
  return bytes.length;
}

/**
 * Reads the manifest `digest`, checks its bytes hash to the digest and are canonical, and validates
 * it (UnsafePathError on a bad path). Throws ObjectNotFoundError when there is none.
 */
export async function readManifest(store: Pick<BlobStore, 'get'>, digest: string): Promise<Manifest> {
  const key = manifestKey(digest);
  const bytes = await readBounded(await store.get(key), maxManifestBytes, key);
  const actual = sha256Bytes(bytes).digest;
  if (actual !== digest) throw new ChecksumMismatchError(key, digest, actual);
  const text = bytes.toString('utf8');
  const manifest = validateManifest(parseJson(text, key));
  // Only the canonical form may carry a digest, or one file set could have two identities.
  if (canonicalManifestJson(manifest) !== text) throw new InvalidManifestError(`${key} is not in canonical form`);
  return manifest;
}

function parseJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidManifestError(`${key} is not JSON`, { cause: error });
  }
}

async function readBounded(body: AsyncIterable<Buffer>, limit: number, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > limit) throw new InvalidManifestError(`${key} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}
