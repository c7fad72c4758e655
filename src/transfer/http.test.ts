import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer, text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, resumableGet, sendAndDrain, sendWithRetries, type RetryPolicy } from './http.ts';

// A real HTTP server on a loopback port per test; each handler sees the requests made so far.

type Handler = (request: IncomingMessage, response: ServerResponse, attempt: number) => void;

interface TestServer {
  url: string;
  /** The Range header of every request, in order ('' when there was none). */
  ranges: string[];
}

const servers: Server[] = [];

async function serve(handler: Handler): Promise<TestServer> {
  const ranges: string[] = [];
  const server = createServer((request, response) => {
    ranges.push(request.headers.range ?? '');
    handler(request, response, ranges.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/blob?X-Amz-Signature=secret`, ranges };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const quick: RetryPolicy = { deadlineMs: 5_000, idleTimeoutMs: 2_000 };

function answer(response: ServerResponse, status: number, body = ''): void {
  response.writeHead(status, { 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

describe('sendWithRetries', () => {
  it.each([
    { status: 500, wantAttempts: 2 },
    { status: 503, wantAttempts: 2 },
    { status: 408, wantAttempts: 2 },
    { status: 429, wantAttempts: 2 },
  ])('retries an HTTP $status, then returns the success', async ({ status, wantAttempts }) => {
    const server = await serve((_, response, attempt) => (attempt === 1 ? answer(response, status, 'busy') : answer(response, 200, 'ok')));
    const response = await sendWithRetries({ method: 'GET', url: server.url }, quick);
    expect(await text(response)).toBe('ok');
    expect(server.ranges).toHaveLength(wantAttempts);
  });

  it('retries a connection that breaks before an answer', async () => {
    const server = await serve((request, response, attempt) => (attempt === 1 ? request.socket.destroy() : answer(response, 200, 'ok')));
    expect(await text(await sendWithRetries({ method: 'GET', url: server.url }, quick))).toBe('ok');
    expect(server.ranges).toHaveLength(2);
  });

  it.each([400, 403, 404])('does not retry an HTTP %i: it throws HttpError with the status and body', async (status) => {
    const server = await serve((_, response) => answer(response, status, 'denied'));
    const failure: unknown = await sendWithRetries({ method: 'GET', url: server.url }, quick).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure).toMatchObject({ status, body: 'denied' });
    expect(server.ranges).toHaveLength(1);
  });

  it('keeps the signature of a presigned URL out of its error message', async () => {
    const server = await serve((_, response) => answer(response, 403, 'denied'));
    const failure: unknown = await sendWithRetries({ method: 'GET', url: server.url }, quick).catch((error: unknown) => error);
    expect(String(failure)).not.toContain('secret');
  });

  it('gives up once the deadline has passed, with the last failure as the cause', async () => {
    const server = await serve((_, response) => answer(response, 503, 'down'));
    const started = Date.now();
    const failure: unknown = await sendWithRetries({ method: 'GET', url: server.url }, { deadlineMs: 400, idleTimeoutMs: 1_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/kept failing for 400 ms/);
    expect((failure as Error).cause).toMatchObject({ status: 503 });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(server.ranges.length).toBeGreaterThanOrEqual(1);
  });

  it('replays the body on a retry', async () => {
    const bodies: string[] = [];
    const server = await serve((request, response, attempt) => {
      void text(request).then((body) => {
        bodies.push(body);
        answer(response, attempt === 1 ? 503 : 200, 'ok');
      });
    });
    await text(await sendWithRetries({ method: 'PUT', url: server.url, body: () => Buffer.from('payload') }, quick));
    expect(bodies).toEqual(['payload', 'payload']);
  });
});

describe('resumableGet', () => {
  const body = randomBytes(256 * 1024);
  const cut = 100_000;

  /** The first answer stops after `cut` bytes: the socket is destroyed mid-body. */
  function cutOff(response: ServerResponse): void {
    response.writeHead(200, { 'content-length': body.length });
    response.write(body.subarray(0, cut), () => setTimeout(() => response.socket?.destroy(), 20));
  }

  it('asks for the rest with a Range header when a response is cut off, and reassembles the body', async () => {
    const server = await serve((request, response, attempt) => {
      if (attempt === 1) return cutOff(response);
      const from = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
      response.writeHead(206, { 'content-length': body.length - from, 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
      response.end(body.subarray(from));
    });
    const got = await buffer(resumableGet(server.url, quick));
    expect(got.equals(body)).toBe(true);
    expect(server.ranges[0]).toBe('');
    expect(server.ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(server.ranges[1]!.slice(6, -1))).toBeGreaterThan(0);
  });

  it('skips what it already has when the server ignores Range and sends the whole body again', async () => {
    const server = await serve((_, response, attempt) => {
      if (attempt === 1) return cutOff(response);
      response.writeHead(200, { 'content-length': body.length });
      response.end(body);
    });
    const got = await buffer(resumableGet(server.url, quick));
    expect(got.equals(body)).toBe(true);
    expect(server.ranges).toHaveLength(2);
  });

  it('fails the stream on an answer that is final', async () => {
    const server = await serve((_, response) => answer(response, 404, 'no such key'));
    await expect(buffer(resumableGet(server.url, quick))).rejects.toMatchObject({ status: 404 });
  });
});

describe('a file body', () => {
  it('sends the whole file, and the whole file again on a retry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'http-file-body-'));
    const bytes = randomBytes(1024 * 1024 + 777);
    await writeFile(join(dir, 'blob'), bytes);
    const received: Buffer[] = [];
    const server = await serve((request, response, attempt) => {
      void buffer(request).then((body) => {
        received.push(body);
        answer(response, attempt === 1 ? 503 : 200, 'ok');
      });
    });
    let opened = 0;
    const body = { open: () => (opened++, open(join(dir, 'blob'))), size: bytes.length };
    try {
      await sendAndDrain({ method: 'PUT', url: server.url, headers: { 'content-length': String(bytes.length) }, body: () => body }, quick);
      expect(opened).toBe(2);
      expect(received).toHaveLength(2);
      for (const got of received) expect(got.equals(bytes)).toBe(true);
      // A file grown since it was hashed: only the declared bytes go out.
      await writeFile(join(dir, 'blob'), Buffer.concat([bytes, Buffer.from('more')]));
      await sendAndDrain({ method: 'PUT', url: server.url, headers: { 'content-length': String(bytes.length) }, body: () => body }, quick);
      expect(received.at(-1)?.equals(bytes)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
