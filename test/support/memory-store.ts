import type { BlobStore, StoredObject } from '../../src/storage/object-store.ts';

// The part of the object store that grants and loans use, in memory, for unit tests of the code
// that writes them. Anything else throws.

/** An in-memory store of empty objects; keys() lists what is there, sorted. */
export function memoryStore(): BlobStore & { keys(): string[] } {
  const objects = new Map<string, StoredObject>();
  const unused = (): never => {
    throw new Error('not used by grants');
  };
  return {
    keys: () => [...objects.keys()].sort(),
    has: (key) => Promise.resolve(objects.has(key)),
    put: (key) => {
      objects.set(key, { key, size: 0, lastModified: new Date(0) });
      return Promise.resolve();
    },
    delete: (keys) => {
      for (const key of keys) objects.delete(key);
      return Promise.resolve();
    },
    list(prefix) {
      const found = [...objects.keys()].sort().filter((key) => key.startsWith(prefix)).map((key) => objects.get(key)!);
      return (async function* listed(): AsyncGenerator<StoredObject> {
        yield* await Promise.resolve(found);
      })();
    },
    get: unused,
    presignGet: unused,
    presignPut: unused,
  };
}
