/** Rejects with "<what> timed out after <ms>ms" unless `promise` settles first (it is not cancelled). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A sleep that stop() can cut short, so a loop waiting out a backoff or a retry period notices a
 * shutdown at once. Uses the global setTimeout so vitest's fake timers drive it.
 */
export class Sleeper {
  private wakeCurrent: (() => void) | undefined;

  /** Resolves after `ms`, or as soon as wake() is called. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeCurrent = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeCurrent = done;
    });
  }

  /** Ends the current sleep, if any. */
  wake(): void {
    this.wakeCurrent?.();
  }
}
