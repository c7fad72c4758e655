// What a Dataset's import Job runs: download a URL into the output directory, unpacking tar archives
// (regular files and directories only, every path checked as a pull checks manifest paths). The
// push sidecar then stores the directory as the Dataset's next file set.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { checkSafePath } from '../storage/manifest.ts';
import { resumableGet } from '../transfer/http.ts';

/** What an import wrote. */
export interface ImportReport {
  files: number;
  bytes: number;
}

const archivePattern = /\.(tar|tar\.gz|tgz)$/;

function fileNameOf(url: URL): string {
  const name = basename(decodeURIComponent(url.pathname)) || 'download';
  checkSafePath(name);
  return name;
}

/** What the import reads of a tar entry (tar-stream's own types go through streamx's, which are loose). */
interface TarEntry extends AsyncIterable<Buffer> {
  header: { name: string; type: string; mode: number; size: number };
  resume(): unknown;
}

async function writeEntry(out: string, entry: TarEntry, report: ImportReport): Promise<void> {
  const { header } = entry;
  // Archives often name entries ./a/b: the same path as a/b.
  const path = header.name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (header.type === 'directory' || path === '' || path === '.') {
    if (path && path !== '.') {
      checkSafePath(path);
      await mkdir(join(out, path), { recursive: true });
    }
    entry.resume();
    return;
  }
  if (header.type !== 'file') throw new Error(`${header.name}: the archive holds a ${header.type}; datasets hold regular files only`);
  checkSafePath(path);
  const target = join(out, path);
  await mkdir(dirname(target), { recursive: true });
  // 'wx': never overwrite or follow what an earlier entry put there.
  await pipeline(entry, createWriteStream(target, { flags: 'wx', mode: header.mode & 0o755 }));
  report.files += 1;
  report.bytes += header.size;
}

async function unpack(source: Readable, gzipped: boolean, out: string): Promise<ImportReport> {
  const report: ImportReport = { files: 0, bytes: 0 };
  const archive = extract();
  const feeding = pipeline(gzipped ? source.pipe(createGunzip()) : source, archive as unknown as NodeJS.WritableStream);
  // A refused entry ends the loop below with its own error; the feed then fails with a premature
  // close, which is no news and must not surface as an unhandled rejection.
  feeding.catch(() => undefined);
  for await (const entry of archive as unknown as AsyncIterable<TarEntry>) await writeEntry(out, entry, report);
  await feeding;
  return report;
}

/** Downloads `url` into `out` (unpacking tar archives); retries and resumes like the mover. */
export async function importUrl(url: string, out: string): Promise<ImportReport> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`only http(s) URLs are imported, not ${parsed.protocol}`);
  await mkdir(out, { recursive: true });
  const name = fileNameOf(parsed);
  const body = resumableGet(url);
  const archive = archivePattern.exec(name);
  if (archive) return unpack(body, archive[1] !== 'tar', out);
  let bytes = 0;
  body.on('data', (chunk: Buffer) => (bytes += chunk.length));
  await pipeline(body, createWriteStream(join(out, name), { flags: 'wx', mode: 0o644 }));
  return { files: 1, bytes };
}
