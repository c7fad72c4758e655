import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importUrl } from './import-url.ts';

// importUrl against a real local HTTP server serving files and archives made here.

type Entry = Partial<Header> & { name: string; content?: string };

/** A tar archive of `entries`, gzipped unless told otherwise. */
async function archive(entries: Entry[], gzip = true): Promise<Buffer> {
  const tar = pack();
  for (const { content, ...header } of entries) tar.entry(header, content ?? '');
  tar.finalize();
  return buffer(gzip ? tar.pipe(createGzip()) : tar);
}

const files = new Map<string, Buffer>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? '/', 'http://x').pathname);
    response.writeHead(file ? 200 : 404, { 'content-length': file?.length ?? 0 });
    response.end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A fresh directory holding `out`, the import's target; anything beside `out` escaped it. */
let root: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-import-'));
  out = join(root, 'out');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every path under `dir`, relative, sorted; directories end in `/`. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => `${join(e.parentPath, e.name).slice(dir.length + 1)}${e.isDirectory() ? '/' : ''}`).sort();
}

describe('importUrl', () => {
  it('downloads a plain file under its own name', async () => {
    files.set('/data/train.csv', Buffer.from('a,b\n1,2\n'));
    const report = await importUrl(`${base}/data/train.csv?token=x`, out);
    expect(report).toEqual({ files: 1, bytes: 8 });
    expect(await readFile(join(out, 'train.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(await tree(root)).toEqual(['out/', 'out/train.csv']);
  });

  it('names a download whose URL has no file name "download"', async () => {
    files.set('/', Buffer.from('x'));
    await importUrl(`${base}/`, out);
    expect(await tree(out)).toEqual(['download']);
  });

  it.each([
    { name: '.tar.gz', path: '/cifar.tar.gz', gzip: true },
    { name: '.tgz', path: '/cifar.tgz', gzip: true },
    { name: '.tar', path: '/cifar.tar', gzip: false },
  ])('unpacks a $name archive of files and directories', async ({ path, gzip }) => {
    files.set(
      path,
      await archive(
        [
          { name: './', type: 'directory' },
          { name: 'images/', type: 'directory' },
          { name: 'images/0.png', content: 'zero' },
          { name: './labels.txt', content: 'cat\ndog\n', mode: 0o600 },
          { name: 'empty', type: 'directory' },
        ],
        gzip,
      ),
    );
    const report = await importUrl(`${base}${path}`, out);
    expect(report).toEqual({ files: 2, bytes: 12 });
    expect(await tree(out)).toEqual(['empty/', 'images/', 'images/0.png', 'labels.txt']);
    expect(await readFile(join(out, 'images/0.png'), 'utf8')).toBe('zero');
    expect((await stat(join(out, 'labels.txt'))).mode & 0o777).toBe(0o600);
  });

  it.each([
    { name: 'a symlink', entries: [{ name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }], wantError: /holds a symlink/ },
    { name: 'a hard link', entries: [{ name: 'a', content: 'x' }, { name: 'b', type: 'link', linkname: 'a' }], wantError: /holds a link/ },
    { name: 'a file above the output', entries: [{ name: '../evil', content: 'pwned' }], wantError: /'\.\.' segment/ },
    { name: 'a file deeper above the output', entries: [{ name: 'ok/../../evil', content: 'pwned' }], wantError: /'\.\.' segment/ },
    { name: 'a directory above the output', entries: [{ name: '../evil/', type: 'directory' }], wantError: /'\.\.' segment/ },
  ] satisfies Array<{ name: string; entries: Entry[]; wantError: RegExp }>)('rejects an archive holding $name, writing nothing outside', async ({ entries, wantError }) => {
    files.set('/bad.tar.gz', await archive(entries));
    await expect(importUrl(`${base}/bad.tar.gz`, out)).rejects.toThrow(wantError);
    expect((await tree(root)).filter((path) => !path.startsWith('out/'))).toEqual([]);
  });

  it.each(['s3://bucket/key', 'file:///etc/passwd', 'ftp://example.com/data.csv'])('rejects %s: only http(s) is imported', async (url) => {
    await expect(importUrl(url, out)).rejects.toThrow(/only http\(s\) URLs/);
    expect(await tree(root)).toEqual([]);
  });
});
