import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAtMost } from './read-limit.ts';

/** A stream of `chunks` chunks of 1 KiB that counts how many were pulled from it. */
function counted(chunks: number): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const stream = new Readable({
    read() {
      this.push(pulled++ < chunks ? Buffer.alloc(1024, 1) : null);
    },
  });
  return { stream, pulled: () => pulled };
}

describe('readAtMost', () => {
  it('returns a body within the limit whole', async () => {
    expect((await readAtMost(counted(3).stream, 4096))?.length).toBe(3072);
  });

  it('stops reading just past the limit, however long the body is', async () => {
    const body = counted(2 * 1024 * 1024);
    expect(await readAtMost(body.stream, 4096)).toBeUndefined();
    expect(body.pulled()).toBeLessThan(64);
    expect(body.stream.destroyed).toBe(true);
  });
});
