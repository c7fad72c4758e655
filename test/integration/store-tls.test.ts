import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3BlobStore, type S3BlobStore } from '../../src/storage/object-store.ts';
import { sha256Bytes } from '../../src/storage/hashing.ts';
import { digestHex } from '../../src/storage/manifest.ts';

// A store behind a private CA (objectStore.caBundle): a SeaweedFS of this test's own, serving S3 over
// TLS on loopback with a certificate of a CA made here. The operator's client trusts it only with the
// bundle, and so does the mover's HTTP (src/transfer/http.ts), which reads it from its environment.

const versions = fileURLToPath(new URL('../../scripts/versions.sh', import.meta.url));
const httpModule = fileURLToPath(new URL('../../src/transfer/http.ts', import.meta.url));
const keys = { accessKeyId: 'tls-admin', secretAccessKey: 'tls-admin-secret' };
const basePort = 39200;
const endpoint = `https://127.0.0.1:${basePort + 4}`;

let dir = '';
let weed: ChildProcess | undefined;
let ca = '';
const stores: S3BlobStore[] = [];

function weedBinary(): string {
  const bin = execFileSync('bash', ['-c', `source '${versions}' && echo "$SEAWEEDFS_BIN/weed"`], { encoding: 'utf8' }).trim();
  try {
    execFileSync(bin, ['version'], { stdio: 'ignore' });
  } catch (error) {
    throw new Error(`SeaweedFS is not built (${bin}): run scripts/build-parts.sh seaweedfs`, { cause: error });
  }
  return bin;
}

function makeCertificates(): void {
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(['req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=tessera-test-store-ca']);
  openssl(['req', '-new', '-nodes', '-newkey', 'rsa:2048', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext.cnf']);
  ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
}

async function waitUntilServing(): Promise<void> {
  const deadline = Date.now() + 60_000;
  const probe = s3BlobStore({ endpoint, region: 'us-east-1', bucket: 'probe', ...keys, caBundle: ca, maxAttempts: 1 });
  try {
    for (;;) {
      if (await probe.has('nothing').then(() => true, () => false)) return;
      if (weed?.exitCode !== null || Date.now() > deadline) throw new Error(`the test's SeaweedFS did not serve TLS at ${endpoint}; see ${dir}/weed.log`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    probe.close();
  }
}

beforeAll(async () => {
  const bin = weedBinary();
  dir = mkdtempSync(join(tmpdir(), 'tessera-store-tls-'));
  makeCertificates();
  writeFileSync(join(dir, 's3.json'), JSON.stringify({ identities: [{ name: 'admin', credentials: [{ accessKey: keys.accessKeyId, secretKey: keys.secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List'] }] }));
  const log = join(dir, 'weed.log');
  writeFileSync(log, '');
  const args = ['server', '-ip', '127.0.0.1', '-ip.bind', '127.0.0.1', '-dir', join(dir, 'data'), '-master.telemetry=false', '-master.volumeSizeLimitMB', '64', '-volume.max', '0'];
  args.push('-master.port', String(basePort), '-volume.port', String(basePort + 1), '-filer.port', String(basePort + 2), '-s3', '-s3.port', String(basePort + 3));
  args.push('-s3.port.https', String(basePort + 4), '-s3.cert.file', join(dir, 'tls.crt'), '-s3.key.file', join(dir, 'tls.key'), '-s3.config', join(dir, 's3.json'), '-s3.port.iceberg', '0', '-s3.port.lance', '0');
  execFileSync('mkdir', ['-p', join(dir, 'data')]);
  weed = spawn(bin, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitUntilServing();
}, 90_000);

afterAll(() => {
  for (const store of stores) store.close();
  if (weed && weed.exitCode === null) weed.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function storeWith(caBundle: string | undefined): S3BlobStore {
  const store = s3BlobStore({ endpoint, region: 'us-east-1', bucket: 'tls-files', ...keys, caBundle, maxAttempts: 1, requestTimeoutMs: 10_000 });
  stores.push(store);
  return store;
}

/** Runs the mover's sendWithRetries in a fresh node, whose environment decides what it trusts. */
function moverGet(url: string, caBundle: string | undefined): string {
  const script = `const { sendWithRetries } = await import(${JSON.stringify(httpModule)});
    try { const r = await sendWithRetries({ method: 'GET', url: process.argv[1] }, { deadlineMs: 1000, idleTimeoutMs: 5000 }); let n = 0; for await (const c of r) n += c.length; console.log('ok ' + n); }
    catch (e) { console.log('failed ' + String(e.cause?.code ?? e.code ?? e.message)); }`;
  const env = { ...process.env, TESSERA_S3_CA_BUNDLE: caBundle ?? '' };
  return execFileSync(process.execPath, ['--input-type=module', '-e', script, url], { env, encoding: 'utf8' }).trim();
}

describe('an object store behind a private CA', () => {
  it("is refused without the CA bundle: the system CAs do not cover it", async () => {
    await expect(storeWith(undefined).ensureBucket()).rejects.toThrow();
  });

  it('is used by the operator with the bundle, and by a mover given the bundle in its environment', async () => {
    const store = storeWith(ca);
    await store.ensureBucket();
    const bytes = Buffer.from('over TLS');
    const { digest } = sha256Bytes(bytes);
    await store.put('blob', bytes, bytes.length, digestHex(digest));
    const url = await store.presignGet('blob', 300);
    expect(url.startsWith(`${endpoint}/`)).toBe(true);
    expect(moverGet(url, ca)).toBe(`ok ${bytes.length}`);
    expect(moverGet(url, undefined)).toMatch(/^failed .*(SELF_SIGNED|UNABLE_TO_VERIFY|CERT)/);
  });
});
