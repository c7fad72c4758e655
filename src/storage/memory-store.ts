// A BlobStore in memory, for unit tests and benchmarks of the code above the store (garbage
// collection, leases, manifest reads). It lists in key order and hands out fresh objects, as S3 does;
// modification times come from an injected clock so the grace arithmetic can be driven.
import { Readable } from 'node:stream';
import { ObjectNotFoundError, type BlobStore, type PresignedPut, type StoredObject } from './object-store.ts';

/** One object held: its bytes, when it was written, and the upload tag of the PUT that wrote it. */
export interface MemoryObject {
  bytes: Buffer;
  lastModified: Date;
  uploadTag?: string;
}

/** The in-memory store, with what tests need to look inside. */
export interface MemoryStore extends BlobStore {
  objects: Map<string, MemoryObject>;
  /** Every key deleted so far, in order. */
  deletedKeys: string[];
  /** The keys there now, sorted. */
  keys(): string[];
}

async function bodyBytes(body: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A store whose objects get `now()` as their modification time. */
export function memoryStore(now: () => Date = () => new Date()): MemoryStore {
  const objects = new Map<string, MemoryObject>();
  const deletedKeys: string[] = [];
  return {
    objects,
    deletedKeys,
    keys: () => [...objects.keys()].sort(),
    has: (key) => Promise.resolve(objects.has(key)),
    stat(key) {
      const object = objects.get(key);
      return Promise.resolve(object ? { size: object.bytes.length, lastModified: new Date(object.lastModified), ...(object.uploadTag ? { uploadTag: object.uploadTag } : {}) } : undefined);
    },
    async put(key, body, size) {
      const bytes = await bodyBytes(body);
      if (bytes.length !== size) throw new Error(`body is ${bytes.length} bytes, declared ${size}`);
      objects.set(key, { bytes, lastModified: now() });
    },
    get(key) {
      const object = objects.get(key);
      return object ? Promise.resolve(Readable.from([object.bytes])) : Promise.reject(new ObjectNotFoundError(key));
    },
    delete(keys) {
      for (const key of keys) {
        objects.delete(key);
        deletedKeys.push(key);
      }
      return Promise.resolve();
    },
    async *list(prefix): AsyncIterable<StoredObject> {
      const keys = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();
      for (const key of keys) {
        const object = objects.get(key);
        if (object) yield { key, size: object.bytes.length, lastModified: new Date(object.lastModified) };
        await Promise.resolve();
      }
    },
    presignGet: () => Promise.reject(new Error('a memory store cannot presign')),
    presignPut: (): Promise<PresignedPut> => Promise.reject(new Error('a memory store cannot presign')),
  };
}
