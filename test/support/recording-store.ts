import { memoryStore, type MemoryStore } from '../../src/storage/memory-store.ts';
import type { WriteLog } from './write-log.ts';

// The in-memory object store, with every put and delete also written to a reconciler's ordered log:
// grants and loans are writes like any other, and "grants before create" is an ordering.

/** A memory store whose puts and deletes are logged as `put <key>` and `delete <key>`; a put can be made to fail (WriteLog.failNext). */
export function recordingStore(log: WriteLog, store: MemoryStore = memoryStore()): MemoryStore {
  return {
    ...store,
    async put(key, body, size, sha256Hex) {
      const failure = log.record(`put ${key}`);
      if (failure) throw failure;
      await store.put(key, body, size, sha256Hex);
    },
    async delete(keys) {
      for (const key of keys) log.record(`delete ${key}`);
      await store.delete(keys);
    },
  };
}
