// What checksumMode `off` costs a push: the same bytes uploaded through checksum-bound presigned
// PUTs (`required`), then through staging keys plus the commit's verification (promoteStagedBlobs:
// a private copy, the operator's hash, the copy into place), against one S3 store. A measurement,
// not a test: it prints figures and the ratio. Run under the shared test lock, after
// `eval "$(scripts/cluster.sh env)"`:
//   npx node scripts/bench/staged-commit.ts [endpoint=$TESSERA_S3_ENDPOINT] [MiB=256] [blobs=8]
import { createHash, randomBytes } from 'node:crypto';
import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { blobKey } from '../../src/storage/manifest.ts';
import { s3BlobStore, type PresignedPut } from '../../src/storage/object-store.ts';
import { promoteStagedBlobs } from '../../src/storage/staged-commit.ts';
import { stagedUploadKey } from '../../src/storage/staging.ts';

const [endpoint = process.env.TESSERA_S3_ENDPOINT ?? '', mib = '256', count = '8'] = process.argv.slice(2);
const credentials = { accessKeyId: process.env.TESSERA_S3_ACCESS_KEY ?? '', secretAccessKey: process.env.TESSERA_S3_SECRET_KEY ?? '' };
if (!endpoint || !credentials.accessKeyId) throw new Error('run after eval "$(scripts/cluster.sh env)", or name the endpoint');
const bucket = `bench-staged-${randomBytes(3).toString('hex')}`;
const options = { endpoint, region: 'us-east-1', bucket, ...credentials, maxAttempts: 2 };
const required = s3BlobStore({ ...options, checksumMode: 'required' });
const off = s3BlobStore({ ...options, checksumMode: 'off' });
const blobs = Array.from({ length: Number(count) }, () => randomBytes(Math.floor((Number(mib) * 1024 * 1024) / Number(count))));
const digest = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function putAll(puts: readonly PresignedPut[]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    puts.map(async (put, i) => {
      const answer = await fetch(put.url, { method: 'PUT', headers: put.headers, body: new Uint8Array(blobs[i] ?? Buffer.alloc(0)) });
      await answer.arrayBuffer();
      if (!answer.ok) throw new Error(`PUT answered ${answer.status}`);
    }),
  );
  return performance.now() - started;
}

await required.ensureBucket();
try {
  const direct = await putAll(await Promise.all(blobs.map((b) => required.presignPut({ key: blobKey(digest(b)), sha256Hex: digest(b).slice(7), size: b.length, expiresSeconds: 300 }))));
  await required.delete(blobs.map((b) => blobKey(digest(b))));
  const session = 'bench.session';
  const staged = await putAll(await Promise.all(blobs.map((b) => off.presignPut({ key: stagedUploadKey('bench', session, digest(b)), sha256Hex: digest(b).slice(7), size: b.length, expiresSeconds: 300 }))));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const copier = { copyVerified: (from: string, to: string, hex: string): Promise<void> => off.copyVerifiedFrom({ bucket, key: from }, to, hex) };
  const verdict = await promoteStagedBlobs({ store: off, copier }, { namespace: 'bench', sessionToken: session, blobs: blobs.map((b) => ({ digest: digest(b), size: b.length })) });
  const commit = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (verdict.missing.length + verdict.wrongSize.length + verdict.mismatched.length > 0) throw new Error(`the commit refused blobs: ${JSON.stringify(verdict)}`);
  const ms = (n: number): string => `${Math.round(n)} ms`;
  console.log(`${mib} MiB in ${count} blobs, ${endpoint}`);
  console.log(`  required: checksum-bound PUTs   ${ms(direct)}`);
  console.log(`  off:      PUTs to staging keys  ${ms(staged)}`);
  console.log(`            commit (verify, copy) ${ms(commit)}  (${Math.round(Number(mib) / (commit / 1000))} MiB/s, ${ms((used.user + used.system) / 1000)} CPU)`);
  console.log(`  off / required, end to end: ${((staged + commit) / direct).toFixed(2)}`);
} finally {
  const keys: string[] = [];
  for await (const object of off.list('')) keys.push(object.key);
  await off.delete(keys);
  const raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await raw.send(new DeleteBucketCommand({ Bucket: bucket }));
  raw.destroy();
  required.close();
  off.close();
}
