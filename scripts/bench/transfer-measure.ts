import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3BlobStore } from '../../src/storage/object-store.ts';

// The transfer benchmark's measuring tools: random trees, timed processes, and the two baselines a
// transfer is held against in the same run: `cp -r` of the tree, and the object store's own floor
// (the same bytes PUT and GET by curl through presigned URLs, with no Tessera code in the path).

const run = promisify(execFile);
const MiB = 2 ** 20;

/** A tree of `files` random files of `fileBytes` each. */
export interface TreeShape {
  name: string;
  label: string;
  files: number;
  fileBytes: number;
}

/** One timed process: wall seconds, its CPU seconds and peak RSS, and the JSON lines it printed. */
export interface Timed {
  startedAt: number;
  seconds: number;
  cpuSeconds?: number;
  maxRssBytes?: number;
  events: Array<Record<string, unknown>>;
  /** CPU seconds the operator spent meanwhile (its process_cpu_seconds_total). */
  operatorCpuSeconds?: number;
}

// Files go 100 to a directory, as a real dataset's would.
function treePath(shape: TreeShape, i: number): string {
  const name = `file-${String(i).padStart(5, '0')}.bin`;
  return shape.files > 100 ? join(`d${String(Math.floor(i / 100)).padStart(3, '0')}`, name) : name;
}

/** Every file path of a tree of `shape`, relative to its root. */
export function treePaths(shape: TreeShape): string[] {
  return Array.from({ length: shape.files }, (_, i) => treePath(shape, i));
}

async function writeRandomFile(path: string, size: number, chunk: Buffer): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += chunk.length) {
      const part = chunk.subarray(0, Math.min(chunk.length, size - written));
      await handle.write(randomFillSync(part));
    }
  } finally {
    await handle.close();
  }
}

/** Writes a tree of `shape` under `dir`, every byte random (so nothing is stored already). */
export async function generateTree(dir: string, shape: TreeShape): Promise<void> {
  const chunk = Buffer.alloc(Math.min(shape.fileBytes, 16 * MiB));
  for (const [i, path] of treePaths(shape).entries()) {
    if (i % 100 === 0) await mkdir(join(dir, path, '..'), { recursive: true });
    await writeRandomFile(join(dir, path), shape.fileBytes, chunk);
  }
}

const timeBinary = '/usr/bin/time';

function cpuSeconds(timeReport: string): number | undefined {
  const user = /User time \(seconds\): ([\d.]+)/.exec(timeReport)?.[1];
  const system = /System time \(seconds\): ([\d.]+)/.exec(timeReport)?.[1];
  return user && system ? Number(user) + Number(system) : undefined;
}

/**
 * Runs `command` (under /usr/bin/time -v when present, for CPU and peak RSS) and times it. Dirty
 * pages are written back first (sync, untimed; nothing is dropped from the cache), so a step never
 * pays for the writes of the one before it.
 */
export async function timed(command: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  await run('sync', []);
  const withTime = existsSync(timeBinary) ? [timeBinary, '-v', ...command] : command;
  const startedAt = Date.now();
  const start = performance.now();
  const { stdout, stderr } = await run(withTime[0]!, withTime.slice(1), { env, maxBuffer: 256 * MiB }).catch((error: unknown) => {
    const { stderr: err = '' } = error as { stderr?: string };
    // No cause: it would print the whole stderr again.
    throw new Error(`${command.join(' ')} failed:\n${err.slice(-2000)}`);
  });
  const seconds = (performance.now() - start) / 1000;
  const rssKiB = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
  const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { startedAt, seconds, cpuSeconds: cpuSeconds(stderr), maxRssBytes: rssKiB ? Number(rssKiB) * 1024 : undefined, events };
}

/** `cp -r` of the tree into a sibling directory, which is removed afterwards. */
export async function measureCp(src: string, base: string): Promise<Timed> {
  const copy = join(base, 'cp-copy');
  const result = await timed(['cp', '-r', src, copy]);
  await rm(copy, { recursive: true, force: true });
  return result;
}

/** The object store's floor for a tree: curl PUTs and GETs of its files, `parallel` at a time. */
export interface StoreFloor {
  put: Timed;
  get: Timed;
}

// curl's config-file syntax: `next` starts the next transfer, which has only its own options
// (headers would otherwise pile up across transfers).
const quote = (value: string): string => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
const perTransfer = ['silent', 'show-error', 'fail', 'create-dirs'];

async function curlParallel(base: string, name: string, transfers: string[][], parallel: number): Promise<Timed> {
  const config = join(base, `${name}.curl`);
  await writeFile(config, transfers.map((lines) => [...perTransfer, ...lines].join('\n')).join('\nnext\n'));
  try {
    return await timed(['curl', '--parallel', '--parallel-max', String(parallel), '--config', config]);
  } finally {
    await rm(config, { force: true });
  }
}

/**
 * PUTs every file of the tree under `src` to a scratch key through a presigned URL bound to its
 * SHA-256 (as the mover's are), then GETs each back into a scratch directory: what MinIO itself
 * costs, with curl as the client. Hashing is not timed; the scratch objects are deleted.
 */
export async function measureStoreFloor(store: S3BlobStore, opts: { src: string; base: string; shape: TreeShape; parallel: number }): Promise<StoreFloor> {
  const { src, base, shape } = opts;
  const files = treePaths(shape).map((path) => ({ path, key: `bench-floor/${base.split('/').pop() ?? ''}/${path}` }));
  const puts: string[][] = [];
  const gets: string[][] = [];
  for (const file of files) {
    const sha256 = createHash('sha256').update(await readFile(join(src, file.path))).digest('hex');
    const put = await store.presignPut({ key: file.key, sha256Hex: sha256, size: shape.fileBytes, expiresSeconds: 600 });
    const checksum = `x-amz-checksum-sha256: ${put.headers['x-amz-checksum-sha256']}`;
    puts.push([`url = ${quote(put.url)}`, `upload-file = ${quote(join(src, file.path))}`, `header = ${quote(checksum)}`, 'output = "/dev/null"']);
    gets.push([`url = ${quote(await store.presignGet(file.key, 600))}`, `output = ${quote(join(base, 'floor-get', file.path))}`]);
  }
  try {
    const put = await curlParallel(base, 'put', puts, opts.parallel);
    const get = await curlParallel(base, 'get', gets, opts.parallel);
    return { put, get };
  } finally {
    await store.delete(files.map((f) => f.key));
    await rm(join(base, 'floor-get'), { recursive: true, force: true });
  }
}
