import { describe, expect, it } from 'vitest';
import { LineSplitter } from './watch-lines.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('LineSplitter', () => {
  it('returns each complete line of a chunk and keeps the unfinished rest', () => {
    const lines = new LineSplitter();
    expect(lines.push(bytes('{"a":1}\n{"b":2}\n{"c"'))).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines.pendingBytes()).toBe(4);
    expect(lines.push(bytes(':3}\n'))).toEqual(['{"c":3}']);
    expect(lines.pendingBytes()).toBe(0);
  });

  it('joins a line that spans many chunks once it ends', () => {
    const lines = new LineSplitter();
    const line = JSON.stringify({ data: 'x'.repeat(10_000) });
    const chunks: Buffer[] = [];
    for (let at = 0; at < line.length; at += 997) chunks.push(bytes(line.slice(at, at + 997)));
    for (const chunk of chunks) expect(lines.push(chunk)).toEqual([]);
    expect(lines.push(bytes('\n{"next":true}\n'))).toEqual([line, '{"next":true}']);
  });

  it('keeps a multi-byte character whole when a chunk boundary cuts through it', () => {
    const lines = new LineSplitter();
    const encoded = bytes('{"name":"zürich-€"}\n');
    const cut = encoded.indexOf(0xe2) + 1;
    expect(lines.push(encoded.subarray(0, cut))).toEqual([]);
    expect(lines.push(encoded.subarray(cut))).toEqual(['{"name":"zürich-€"}']);
  });

  it('drops empty lines, and a chunk that is only a newline ends the pending line', () => {
    const lines = new LineSplitter();
    expect(lines.push(bytes('\n\n{"a":1}'))).toEqual([]);
    expect(lines.push(bytes('\n'))).toEqual(['{"a":1}']);
    expect(lines.push(bytes('\n\n'))).toEqual([]);
  });
});
