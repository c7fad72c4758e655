/** The byte that ends each event of a watch stream (one JSON object per line). */
const newline = 0x0a;

/**
 * Cuts a watch stream's chunks into its lines. A chunk can end inside a line, and a large object
 * spans many chunks: those parts wait in `pending` and are joined once, when the line ends, not
 * re-concatenated per chunk. Splitting bytes at '\n' is safe for UTF-8: no multi-byte sequence
 * contains 0x0a.
 */
export class LineSplitter {
  private pending: Buffer[] = [];

  /** The lines that `chunk` completes, in order; empty lines are dropped. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(newline); end !== -1; end = chunk.indexOf(newline, start)) {
      if (this.pending.length > 0) {
        this.pending.push(chunk.subarray(0, end));
        lines.push(Buffer.concat(this.pending).toString('utf8'));
        this.pending = [];
      } else if (end > start) {
        lines.push(chunk.toString('utf8', start, end));
      }
      start = end + 1;
    }
    if (start < chunk.length) this.pending.push(start === 0 ? chunk : chunk.subarray(start));
    return lines;
  }

  /** Bytes received after the last complete line (a stream that ends here was cut short). */
  pendingBytes(): number {
    return this.pending.reduce((sum, part) => sum + part.length, 0);
  }
}
