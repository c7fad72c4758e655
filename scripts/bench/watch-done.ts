// Waiting for N objects to be done by watching them, not by listing them over and over: listing 400
// Tessera Jobs every 250 ms took 1.2 of 17.9 CPU-s the API server spent in a 40 s profile of the jobs
// bench, nearly as much as those Jobs' status writes (1.5), and it fell on the custom-resource side
// (JSON, deep copies of unstructured lists) more than on the floor's batch Jobs. A watch costs both
// sides the same.
import * as k8s from '@kubernetes/client-node';

interface Named {
  metadata?: { name?: string; resourceVersion?: string };
}

/** Names of objects in `done` state after one watch event: the pure part of the counting. */
export function applyWatchEvent<T extends Named>(doneNames: Set<string>, type: string, object: T, isDone: (object: T) => boolean): void {
  const name = object.metadata?.name;
  if (!name) return;
  if (type !== 'DELETED' && isDone(object)) doneNames.add(name);
  else doneNames.delete(name);
}

/** A collection to watch, how to list it, and what counts as done. */
export interface WatchedCollection<T> {
  /** The collection's URL path, e.g. /apis/batch/v1/namespaces/x/jobs. */
  path: string;
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  count: number;
  isDone: (object: T) => boolean;
}

/**
 * Resolves once `count` objects under `path` are done; rejects after `timeoutMs`. The count starts from a
 * list, then follows a watch from its resourceVersion; a watch the server ends (or an ERROR event,
 * such as 410 Gone) starts over from a new list.
 */
export async function watchUntilDone<T extends Named>(kc: k8s.KubeConfig, watched: WatchedCollection<T>, timeoutMs: number): Promise<void> {
  const { path, count, isDone, list } = watched;
  const doneNames = new Set<string>();
  let abort: AbortController | undefined;
  let generation = 0;
  let finished = false;
  return new Promise<void>((resolve, reject) => {
    const stop = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      abort?.abort();
      if (error) reject(error instanceof Error ? error : new Error(`watching ${path}: ${JSON.stringify(error)}`));
      else resolve();
    };
    const timer = setTimeout(() => stop(new Error(`timed out after ${timeoutMs} ms: ${doneNames.size} of ${count} done under ${path}`)), timeoutMs);
    const start = async (): Promise<void> => {
      const mine = ++generation;
      abort?.abort();
      const listed = await list();
      if (mine !== generation || finished) return;
      doneNames.clear();
      for (const object of listed.items) applyWatchEvent(doneNames, 'ADDED', object, isDone);
      if (doneNames.size >= count) return stop();
      const current = (): boolean => mine === generation && !finished;
      abort = await new k8s.Watch(kc).watch(
        path,
        { resourceVersion: listed.metadata?.resourceVersion, allowWatchBookmarks: true },
        (type, object: T) => {
          if (!current() || type === 'BOOKMARK') return;
          if (type === 'ERROR') return restart();
          applyWatchEvent(doneNames, type, object, isDone);
          if (doneNames.size >= count) stop();
        },
        () => {
          if (current()) restart();
        },
      );
    };
    const restart = (): void => {
      start().catch(stop);
    };
    restart();
  });
}
