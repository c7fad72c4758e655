import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
const c = new S3Client({ endpoint: 'http://127.0.0.1:39000', region: 'us-east-1', forcePathStyle: true,
  credentials: { accessKeyId: 'tessera-admin', secretAccessKey: 'tessera-admin-secret' },
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
const Bucket = 'scratch-presign';
const good = Buffer.from('hello world');
const b64 = createHash('sha256').update(good).digest('base64');
async function tryPut(label: string, url: string, body: Buffer, headers: Record<string,string>) {
  const r = await fetch(url, { method: 'PUT', body, headers });
  console.log(label, r.status, (await r.text()).slice(0, 160).replace(/\n/g,' '));
}
const url = await getSignedUrl(c, new PutObjectCommand({ Bucket, Key: 'c', ChecksumSHA256: b64, ContentLength: good.length }), { expiresIn: 60, unhoistableHeaders: new Set(['x-amz-checksum-sha256']) });
console.log(url);
await tryPut('C longer body', url, Buffer.from('hello world!'), { 'x-amz-checksum-sha256': b64 });
await tryPut('C good', url, good, { 'x-amz-checksum-sha256': b64 });
const g = await getSignedUrl(c, new GetObjectCommand({ Bucket, Key: 'c' }), { expiresIn: 60 });
const r = await fetch(g); console.log('get', r.status, await r.text());
// SDK put with wrong ChecksumSHA256
try { await c.send(new PutObjectCommand({ Bucket, Key: 'd', Body: Buffer.from('other'), ChecksumSHA256: b64 })); console.log('sdk bad accepted!'); } catch (e) { console.log('sdk bad', (e as Error).name, (e as Error).message); }
const { Readable } = await import('node:stream');
try { await c.send(new PutObjectCommand({ Bucket, Key: 'e', Body: Readable.from([good]), ContentLength: good.length, ChecksumSHA256: b64 })); console.log('sdk stream good ok'); } catch (e) { console.log('sdk stream good', (e as Error).name, (e as Error).message); }
try { await c.send(new PutObjectCommand({ Bucket, Key: 'e', Body: Readable.from([Buffer.from('hello worlx')]), ContentLength: good.length, ChecksumSHA256: b64 })); console.log('sdk stream bad accepted!'); } catch (e) { console.log('sdk stream bad', (e as Error).name, (e as Error).message); }
