// Which digests a stored object mentions, read as a stream of bytes rather than parsed: garbage
// collection must know every blob a manifest in use could name even when that manifest is corrupt,
// not canonical, has unsafe paths or is too large to parse, and must not hold a manifest of a
// million entries in memory to find out. Every run of 64 lowercase hex characters counts; in a valid
// manifest that is exactly each entry's digest (plus any path that happens to look like one, which
// only keeps a blob longer).

const hexRun = /[0-9a-f]{64}/g;
// A digest may straddle two chunks: keep the tail that could be the start of one.
const carryChars = 63;

/** Calls `found` with every 64-hex run in `body` (duplicates possible), reading it chunk by chunk. */
export async function scanDigests(body: AsyncIterable<Buffer | string>, found: (hex: string) => void): Promise<void> {
  let carry = '';
  for await (const chunk of body) {
    const text = carry + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    for (const match of text.matchAll(hexRun)) found(match[0]);
    carry = text.slice(-carryChars);
  }
}
