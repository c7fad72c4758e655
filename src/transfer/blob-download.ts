// Downloading one blob into an open file: the body is written where it belongs with positional
// writes and hashed on the way, in batches of 256 KiB, with no stream pipeline in between. A
// large blob comes in ranges over a few connections at once (a presigned GET serves any Range, so
// no extra URL is needed); the hash still sees the bytes in file order, and a connection that gets
// too far ahead of the hash waits, which bounds the memory held to `windowBytes`.
import { write } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBounded } from '../storage/bounded.ts';
import { backoffMs, defaultRetryPolicy, redact, sendWithRetries, type RetryPolicy } from './http.ts';
import { received } from './gc-pacer.ts';
import { contentRangeStart, OrderedHasher, rangeHeader, splitRanges, type ByteRange } from './ranges.ts';

/** How a blob is fetched. */
export interface BlobDownloadOptions {
  retry?: RetryPolicy;
  /** Connections for one blob at once; 1 fetches it with a single GET. Default 1. */
  connections?: number;
  /** Bytes per ranged GET when `connections` > 1. Default 4 MiB. */
  rangeBytes?: number;
  /** How far past the hashed bytes a connection may write before it waits. Default 12 MiB. */
  windowBytes?: number;
}

const MiB = 1024 * 1024;
// Bytes gathered from the socket's 64 KiB reads before one write and one round of hashing. They are
// copied into reused buffers, so the socket's own buffers die young (see gc-pacer.ts). 256 KiB, not
// 1 MiB: measured, 1 MiB writes cost ~1.5 CPU-s more per GiB in the kernel (the batch no longer
// sits in the CPU's cache when it is copied into the page cache).
const batchBytes = 256 * 1024;
const spareBuffers: Buffer[] = [];
const maxSpareBuffers = 64;

function takeBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(batchBytes);
}

function giveBack(buffer: Buffer): void {
  if (spareBuffers.length < maxSpareBuffers) spareBuffers.push(buffer);
}
// Writes in flight per blob before its connections pause: the disk sets the pace, not memory.
const maxWritesInFlight = 4;

/** Where the bytes go: the file at their offset and the hash in order; tells readers when to wait. */
class BlobSink {
  readonly hasher = new OrderedHasher();
  #writes = 0;
  #failure: Error | undefined;
  #waiters: Array<() => void> = [];
  readonly #fd: number;
  readonly #windowBytes: number;

  constructor(fd: number, windowBytes: number) {
    this.#fd = fd;
    this.#windowBytes = windowBytes;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Writes and hashes the first `bytes` of `batch` (a taken buffer), which start at `offset`; gives it back after both. */
  put(offset: number, batch: Buffer, bytes: number): void {
    let uses = 2;
    const done = (): void => {
      if (--uses === 0) giveBack(batch);
    };
    this.#writes++;
    write(this.#fd, batch, 0, bytes, offset, (error, written) => {
      this.#writes--;
      if (error) this.#failure ??= error;
      else if (written !== bytes) this.#failure ??= new Error(`wrote ${written} of ${bytes} bytes at ${offset}`);
      done();
      this.#wake();
    });
    this.hasher.add(offset, [batch.subarray(0, bytes)], done);
    received(bytes);
    this.#wake();
  }

  /** Whether a reader at `position` may go on now. */
  mayContinue(position: number): boolean {
    return this.#failure !== undefined || (this.#writes < maxWritesInFlight && position < this.hasher.hashed + this.#windowBytes);
  }

  /** Resolves on the next write done or bytes hashed. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Waits until every write has landed; throws the first write failure. */
  async settled(): Promise<void> {
    while (this.#writes > 0) await this.changed();
    if (this.#failure) throw this.#failure;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Where one answer's body is: bytes to skip, where it ends, and the batch being gathered. */
class AnswerReader {
  position: number;
  #skip: number;
  #batch: Buffer | undefined;
  #gathered = 0;
  #batchStart: number;
  readonly #end: number;
  readonly #wholeBody: boolean;
  readonly #sink: BlobSink;

  constructor(sink: BlobSink, position: number, end: number, wholeBody: boolean) {
    this.#sink = sink;
    this.position = position;
    this.#batchStart = position;
    this.#end = end;
    this.#wholeBody = wholeBody;
    this.#skip = wholeBody ? position : 0;
  }

  /** Takes one socket read; false when the answer holds more than was asked for. */
  take(raw: Buffer): boolean {
    let chunk = raw;
    if (this.#skip > 0) {
      chunk = raw.subarray(Math.min(this.#skip, raw.length));
      this.#skip -= raw.length - chunk.length;
    }
    if (this.position + chunk.length > this.#end) {
      if (!this.#wholeBody) return false;
      chunk = chunk.subarray(0, this.#end - this.position);
    }
    while (chunk.length > 0) {
      this.#batch ??= takeBuffer();
      const copied = chunk.copy(this.#batch, this.#gathered);
      chunk = chunk.subarray(copied);
      this.#gathered += copied;
      this.position += copied;
      if (this.#gathered === batchBytes || this.position === this.#end) this.flush();
    }
    return true;
  }

  /** Hands the gathered bytes to the sink. */
  flush(): void {
    if (this.#batch === undefined) return;
    if (this.#gathered > 0) this.#sink.put(this.#batchStart, this.#batch, this.#gathered);
    else giveBack(this.#batch);
    this.#batch = undefined;
    this.#gathered = 0;
    this.#batchStart = this.position;
  }
}

/**
 * Reads one answer into the sink from `position` up to `end`; resolves with the position reached
 * (short of `end` when the connection broke: the caller asks again for the rest). A server that
 * ignored Range answers 200 with the whole blob: the bytes before `position` are skipped, and the
 * connection is dropped once `end` is reached.
 */
function receive(response: IncomingMessage, sink: BlobSink, position: number, end: number): Promise<number> {
  const status = response.statusCode;
  if (status === 206 && contentRangeStart(response.headers['content-range']) !== position) {
    response.destroy();
    return Promise.reject(new Error(`asked for bytes from ${position}, got ${String(response.headers['content-range'])}`));
  }
  const wholeBody = status === 200;
  // A whole body that goes on past `end` is dropped there: our part is in, the rest is not wanted.
  const bodyGoesOn = wholeBody && !(Number(response.headers['content-length'] ?? NaN) <= end);
  const reader = new AnswerReader(sink, position, end, wholeBody);
  return new Promise<number>((resolve, reject) => {
    let done = false;
    // Network errors after the headers are not failures: what arrived is kept, the caller asks for the rest.
    const settle = (fatal?: Error): void => {
      if (done) return;
      done = true;
      reader.flush();
      const failure = fatal ?? sink.failure;
      if (failure) reject(failure);
      else resolve(reader.position);
    };
    const waitAndResume = async (): Promise<void> => {
      while (!done && !sink.mayContinue(reader.position)) await sink.changed();
      if (sink.failure) response.destroy(sink.failure);
      else if (!done) response.resume();
    };
    response.on('data', (raw: Buffer) => {
      if (done) return;
      if (!reader.take(raw)) return settle(new Error(`the answer ran past byte ${end}`));
      if (reader.position === end && bodyGoesOn) return settle();
      if (sink.mayContinue(reader.position)) return;
      response.pause();
      void waitAndResume();
    });
    finished(response, () => settle());
  }).finally(() => {
    if (!response.complete) response.destroy();
  });
}

interface RangeFetch {
  url: string;
  range: ByteRange;
  sink: BlobSink;
  /** Ask with a Range header even from byte 0. */
  ranged: boolean;
}

/** Fetches bytes [range.start, range.end) of `url` into the sink, resuming a broken answer where it stopped. */
async function fetchRange({ url, range, sink, ranged }: RangeFetch, policy: RetryPolicy): Promise<void> {
  const deadline = Date.now() + policy.deadlineMs;
  let position = range.start;
  for (let attempt = 0; position < range.end; attempt++) {
    // A whole-blob GET needs no Range until it has to resume.
    const headers: Record<string, string> = ranged || position > 0 ? { range: rangeHeader(position, range.end) } : {};
    const left = { ...policy, deadlineMs: Math.max(1_000, deadline - Date.now()) };
    const response = await sendWithRetries({ method: 'GET', url, headers }, left);
    const reached = await receive(response, sink, position, range.end);
    if (sink.failure) throw sink.failure;
    if (reached < range.end && Date.now() > deadline) throw new Error(`GET ${redact(url)} kept breaking off at byte ${reached} of ${range.end}`);
    if (reached === position) await sleep(backoffMs(attempt));
    position = reached;
  }
}

/**
 * Fetches the `size` bytes of `url` into `fd` (a new, empty file) and returns their SHA-256, which
 * the caller compares with the digest it expected. A body of any other length fails.
 */
export async function downloadBlob(url: string, size: number, fd: number, opts: BlobDownloadOptions = {}): Promise<string> {
  const policy = opts.retry ?? defaultRetryPolicy;
  const connections = Math.max(1, opts.connections ?? 1);
  const sink = new BlobSink(fd, opts.windowBytes ?? 12 * MiB);
  const ranges = connections > 1 ? splitRanges(size, opts.rangeBytes ?? 4 * MiB) : splitRanges(size, Math.max(1, size));
  try {
    await forEachBounded(ranges, connections, (range) => fetchRange({ url, range, sink, ranged: connections > 1 }, policy));
  } finally {
    await sink.settled().catch(() => undefined);
  }
  await sink.settled();
  if (size === 0) await assertEmpty(url, policy);
  if (sink.hasher.hashed !== size) throw new Error(`GET ${redact(url)}: ${sink.hasher.hashed} bytes, expected ${size}`);
  return sink.hasher.digest();
}

// An empty blob is still fetched: a URL that answers with bytes is not the empty blob.
async function assertEmpty(url: string, policy: RetryPolicy): Promise<void> {
  const response = await sendWithRetries({ method: 'GET', url }, policy);
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) bytes += chunk.length;
  if (bytes !== 0) throw new Error(`GET ${redact(url)}: ${bytes} bytes, expected an empty blob`);
}
