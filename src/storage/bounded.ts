// Parallel work with a fixed number of workers: the bound on concurrent requests and on memory.

/**
 * Runs `work` on every item with at most `concurrency` in flight. After the first failure no new
 * item starts; the call waits for those in flight (so nothing runs on after it returns) and then
 * throws that first error.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
}
