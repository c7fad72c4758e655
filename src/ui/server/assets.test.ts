import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asset, directorySource } from './assets.ts';

// Only the bundle's own files are served, wherever the bundle is.
describe('the page assets', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-ui-assets-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    await writeFile(join(dir, 'app.js'), 'export {}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves index.html at / and the bundle by name, with its type', async () => {
    const source = directorySource(dir);
    expect(await asset(source, '/')).toMatchObject({ type: 'text/html; charset=utf-8' });
    expect((await asset(source, '/app.js'))?.body.toString()).toBe('export {}');
  });

  it('serves nothing outside the bundle, nor files of other types', async () => {
    const source = directorySource(dir);
    expect(await asset(source, '/../../etc/passwd.js')).toBeUndefined();
    expect(await asset(source, '/sub/app.js')).toBeUndefined();
    expect(await asset(source, '/missing.css')).toBeUndefined();
    expect(await asset(source, '/index.ts')).toBeUndefined();
  });
});
