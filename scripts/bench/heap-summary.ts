import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// What holds the operator's heap once a bench's work is done: TESSERA_BENCH_HEAP_SNAPSHOT=DIR starts
// the operator with --heapsnapshot-signal, signals it, keeps the V8 heap snapshot in DIR (open it
// in Chrome's DevTools, Memory tab) and prints its self sizes by constructor, largest first.

/** The parts of a V8 heap snapshot (a .heapsnapshot file's JSON) the summary reads. */
export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/** One line of the summary: objects of one constructor (or one V8 node type, in parentheses). */
export interface HeapRow {
  kind: string;
  count: number;
  bytes: number;
}

/** Self sizes by an object's constructor name, else by node type ("(string)", "(code)"); the largest `top`. Pure. */
export function summarizeHeap(heap: HeapSnapshot, top = 15): HeapRow[] {
  const fields = heap.snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = heap.snapshot.meta.node_types[0] as string[];
  const rows = new Map<string, HeapRow>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt]!] ?? 'unknown';
    const kind = type === 'object' ? (heap.strings[heap.nodes[i + nameAt]!] ?? '(object)') : `(${type})`;
    const row = rows.get(kind) ?? { kind, count: 0, bytes: 0 };
    row.count++;
    row.bytes += heap.nodes[i + sizeAt]!;
    rows.set(kind, row);
  }
  return [...rows.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top);
}

/**
 * With TESSERA_BENCH_HEAP_SNAPSHOT=DIR: makes DIR and adds to TESSERA_OPERATOR_NODE_ARGS (which
 * startOperator reads) the flags that let `snapshotHeap` ask for a snapshot there; DIR, else undefined.
 */
export function armHeapSnapshot(): string | undefined {
  const dir = process.env.TESSERA_BENCH_HEAP_SNAPSHOT;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  process.env.TESSERA_OPERATOR_NODE_ARGS = [process.env.TESSERA_OPERATOR_NODE_ARGS ?? '', '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`].join(' ');
  return dir;
}

/**
 * Signals the operator `pid` and waits for its snapshot in `dir`: the file appears when writing
 * starts, and the operator, whose event loop writes it, answers `ready` again only once it is done.
 */
export async function snapshotHeap(pid: number, dir: string, ready: () => Promise<boolean>): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 300_000; waited += 500) {
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (file && (await ready().catch(() => false))) return join(dir, file);
    await sleep(500);
  }
  throw new Error(`no heap snapshot from pid ${pid} in ${dir} after 5 minutes`);
}

/** Prints the summary of the snapshot at `path`. */
export function printHeapSummary(path: string): void {
  const rows = summarizeHeap(JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot);
  console.log(`  operator heap snapshot (work done): ${path}`);
  for (const row of rows) console.log(`    ${(row.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB ${String(row.count).padStart(8)}  ${row.kind}`);
}
