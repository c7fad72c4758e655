// Byte ranges of a blob fetched in pieces, and the one SHA-256 over them: pieces arrive in any
// order (several connections at once), the hash must see the bytes in file order.
import { createHash } from 'node:crypto';

/** Bytes [start, end) of a blob. */
export interface ByteRange {
  start: number;
  end: number;
}

/** `size` bytes cut into consecutive ranges of `rangeBytes` (the last one shorter); none for 0 bytes. */
export function splitRanges(size: number, rangeBytes: number): ByteRange[] {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`not a size: ${size}`);
  if (!Number.isSafeInteger(rangeBytes) || rangeBytes <= 0) throw new RangeError(`not a range size: ${rangeBytes}`);
  const ranges: ByteRange[] = [];
  for (let start = 0; start < size; start += rangeBytes) ranges.push({ start, end: Math.min(size, start + rangeBytes) });
  return ranges;
}

/** The Range header asking for bytes [start, end) (HTTP's ranges are inclusive). */
export function rangeHeader(start: number, end: number): string {
  return `bytes=${start}-${end - 1}`;
}

/** The first byte a 206 answer's Content-Range says it holds, or undefined if it says nothing usable. */
export function contentRangeStart(header: string | undefined): number | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * SHA-256 of a blob whose pieces are added in any order: a piece at the hashed length is hashed at
 * once (and any stored pieces that then follow it); one further on is kept until its turn. The
 * caller bounds how far ahead it adds, which bounds what is kept.
 */
export class OrderedHasher {
  readonly #hash = createHash('sha256');
  readonly #ahead = new Map<number, { pieces: Buffer[]; hashed?: () => void }>();
  #hashed = 0;
  #aheadBytes = 0;

  /** Bytes hashed so far: everything before this offset has been added and hashed. */
  get hashed(): number {
    return this.#hashed;
  }

  /** Bytes added but not yet hashed, because a piece before them is missing. */
  get aheadBytes(): number {
    return this.#aheadBytes;
  }

  /**
   * Adds the bytes `pieces` (consecutive) starting at `offset`; an offset already added is refused.
   * `hashed` is called once they have been hashed (at once, or when their turn comes): until then
   * the hasher holds them, so their memory must not be reused.
   */
  add(offset: number, pieces: readonly Buffer[], hashed?: () => void): void {
    if (offset < this.#hashed || this.#ahead.has(offset)) throw new Error(`bytes at ${offset} were already added`);
    if (offset > this.#hashed) {
      this.#ahead.set(offset, { pieces: [...pieces], hashed });
      this.#aheadBytes += byteLength(pieces);
      return;
    }
    this.#update(pieces);
    hashed?.();
    for (let next = this.#ahead.get(this.#hashed); next; next = this.#ahead.get(this.#hashed)) {
      this.#ahead.delete(this.#hashed);
      this.#aheadBytes -= byteLength(next.pieces);
      this.#update(next.pieces);
      next.hashed?.();
    }
  }

  #update(pieces: readonly Buffer[]): void {
    for (const piece of pieces) {
      this.#hash.update(piece);
      this.#hashed += piece.length;
    }
  }

  /** `sha256:<hex>` of everything added; throws if a gap is left. */
  digest(): string {
    if (this.#ahead.size > 0) throw new Error(`bytes missing at ${this.#hashed}: pieces after it were added`);
    return `sha256:${this.#hash.digest('hex')}`;
  }
}

function byteLength(pieces: readonly Buffer[]): number {
  let total = 0;
  for (const piece of pieces) total += piece.length;
  return total;
}
