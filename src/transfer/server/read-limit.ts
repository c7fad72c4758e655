// Reading what a run wrote, bounded by the bytes actually read: the size a manifest claims is the
// pod's word, and a blob committed as a 1-byte metrics.json may really be 2 GiB.
import type { Readable } from 'node:stream';

/**
 * The whole stream if it holds at most `limit` bytes; undefined (and the stream destroyed, so
 * nothing more is fetched) as soon as it passes the limit.
 */
export async function readAtMost(body: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}
