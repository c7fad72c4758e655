// SHA-256 of files and buffers, streaming so memory stays bounded whatever the file size.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';

/** A content digest (`sha256:<hex>`) and the byte count it covers. */
export interface Digested {
  digest: string;
  size: number;
}

/** Hashes a file by streaming it; the size is what was read, not a stat that could be stale. */
export async function sha256File(path: string): Promise<Digested> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Hashes bytes already in memory. */
export function sha256Bytes(bytes: Uint8Array | string): Digested {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size };
}

/** A pass-through stream that hashes what flows and reports the digest and size once it ends. */
export class HashingStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  #size = 0;
  #result: Digested | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#result = { digest: `sha256:${this.#hash.digest('hex')}`, size: this.#size };
    callback();
  }

  /** The digest of everything that passed; throws if the stream has not ended. */
  result(): Digested {
    if (!this.#result) throw new Error('HashingStream read before it ended');
    return this.#result;
  }
}

/**
 * A pass-through stream that fails before it ends if the bytes are not the expected ones, so a
 * consumer that only commits at end-of-stream (a multipart upload) never commits them.
 */
export function verifyingStream(expected: Digested): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback): void {
      hash.update(chunk);
      size += chunk.length;
      if (size > expected.size) callback(new Error(`body longer than the declared ${expected.size} bytes`));
      else callback(null, chunk);
    },
    flush(callback): void {
      const digest = `sha256:${hash.digest('hex')}`;
      if (digest === expected.digest && size === expected.size) callback();
      else callback(new Error(`body is ${digest} (${size} bytes), expected ${expected.digest} (${expected.size} bytes)`));
    },
  });
}
