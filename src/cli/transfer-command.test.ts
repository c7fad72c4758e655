import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// `tessera transfer push --wait-for-termination` as a real process, the way the kubelet runs the
// native sidecar: it must stay up with nothing to do but wait for SIGTERM, say (with its marker
// file) when it listens, and push only once signalled.

const cli = fileURLToPath(new URL('./main.ts', import.meta.url));
let root = '';
let child: ChildProcess | undefined;
let server: Server | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  server?.close();
  await rm(root, { recursive: true, force: true });
});

/** A stand-in transfer API that refuses every request (a final 403) and remembers them. */
async function refusingServer(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ reason: 'Forbidden', message: 'not this run' }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('tessera transfer push --wait-for-termination', () => {
  it('stays up until SIGTERM, creating its ready marker first, then pushes', async () => {
    root = await mkdtemp(join(tmpdir(), 'tessera-push-'));
    await writeFile(join(root, 'token'), 'not-a-real-token');
    const api = await refusingServer();
    const args = [cli, 'transfer', 'push', '--wait-for-termination', '--root', root, '--server', api.url, '--token-file', join(root, 'token')];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

    await waitUntil('the ready marker', () => existsSync(join(root, '.push-ready')));
    // A pending signal listener alone would let Node exit 0 right here.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(proc.exitCode).toBeNull();
    expect(output).toContain('waiting for the main container to exit');
    expect(api.requests).toEqual([]);

    proc.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(api.requests[0]).toMatch(/^GET \/v1\/run Bearer not-a-real-token$/);
    expect(output).toMatch(/tessera: .*HTTP 403/s);
  }, 30_000);
});
