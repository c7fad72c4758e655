import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadBlob, type BlobDownloadOptions } from './blob-download.ts';
import type { RetryPolicy } from './http.ts';

// A real HTTP server on a loopback port serving one blob, with or without honouring Range, and a
// real file to download into.

const blob = randomBytes(3 * 1024 * 1024 + 12_345);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
const quick: RetryPolicy = { deadlineMs: 5_000, idleTimeoutMs: 2_000 };
const servers: Server[] = [];
let dir = '';

type Behaviour = (request: IncomingMessage, response: ServerResponse, requests: number) => boolean | void;

/** Serves `body` with Range support; `behave` may answer a request itself (and return true). */
async function serve(body: Buffer, behave?: Behaviour): Promise<{ url: string; ranges: string[] }> {
  const ranges: string[] = [];
  const server = createServer((request, response) => {
    ranges.push(request.headers.range ?? '');
    if (behave?.(request, response, ranges.length)) return;
    const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
    if (!match) return void response.writeHead(200, { 'content-length': body.length }).end(body);
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), body.length - 1);
    if (start >= body.length) return void response.writeHead(416).end();
    response.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.length}` });
    response.end(body.subarray(start, end + 1));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/blob?X-Amz-Signature=secret`, ranges };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blob-download-'));
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await rm(dir, { recursive: true, force: true });
});

async function download(url: string, size: number, opts: BlobDownloadOptions = {}): Promise<{ digest: string; bytes: Buffer }> {
  const path = join(dir, `file-${Math.random()}`);
  const handle = await open(path, 'wx');
  try {
    const got = await downloadBlob(url, size, handle.fd, { retry: quick, ...opts });
    return { digest: got, bytes: await readFile(path) };
  } finally {
    await handle.close();
  }
}

describe('downloadBlob', () => {
  it('fetches a blob in one GET without a Range header', async () => {
    const server = await serve(blob);
    const got = await download(server.url, blob.length);
    expect(got.digest).toBe(digest);
    expect(got.bytes.equals(blob)).toBe(true);
    expect(server.ranges).toEqual(['']);
  });

  it('fetches a blob in ranges over several connections, hashing it in file order', async () => {
    const server = await serve(blob);
    const got = await download(server.url, blob.length, { connections: 3, rangeBytes: 512 * 1024, windowBytes: 1024 * 1024 });
    expect(got.digest).toBe(digest);
    expect(got.bytes.equals(blob)).toBe(true);
    expect(server.ranges).toHaveLength(7);
    expect(server.ranges).toContain(`bytes=3145728-${blob.length - 1}`);
  });

  it('asks for the rest of a range when its answer breaks off', async () => {
    let broken = false;
    const server = await serve(blob, (request, response) => {
      if (broken || request.headers.range !== 'bytes=1048576-2097151') return false;
      broken = true;
      response.writeHead(206, { 'content-length': 1048576, 'content-range': 'bytes 1048576-2097151/*' });
      response.write(blob.subarray(1048576, 1048576 + 100_000), () => response.destroy());
      return true;
    });
    const got = await download(server.url, blob.length, { connections: 2, rangeBytes: 1024 * 1024 });
    expect(got.digest).toBe(digest);
    expect(got.bytes.equals(blob)).toBe(true);
    expect(server.ranges.some((r) => /^bytes=1148\d+-2097151$/.test(r))).toBe(true);
  });

  it('takes only its part of a whole body from a server that ignores Range', async () => {
    const server = await serve(blob, (_request, response) => {
      response.writeHead(200, { 'content-length': blob.length }).end(blob);
      return true;
    });
    const got = await download(server.url, blob.length, { connections: 2, rangeBytes: 1024 * 1024 });
    expect(got.digest).toBe(digest);
    expect(got.bytes.equals(blob)).toBe(true);
  });

  it('fails when the store holds fewer bytes than the manifest says', async () => {
    const server = await serve(blob.subarray(0, 1000));
    await expect(download(server.url, blob.length)).rejects.toThrow(/416/);
  });

  it('hashes what arrived, so a caller comparing digests sees different bytes', async () => {
    const other = Buffer.from(blob);
    other[2_000_000] = (other[2_000_000] ?? 0) ^ 1;
    const server = await serve(other);
    const got = await download(server.url, blob.length, { connections: 4, rangeBytes: 256 * 1024 });
    expect(got.digest).not.toBe(digest);
  });

  it('fetches an empty blob and refuses a URL that answers with bytes for it', async () => {
    const empty = await serve(Buffer.alloc(0));
    expect((await download(empty.url, 0)).digest).toBe(`sha256:${createHash('sha256').digest('hex')}`);
    const full = await serve(blob);
    await expect(download(full.url, 0)).rejects.toThrow(/expected an empty blob/);
  });
});
