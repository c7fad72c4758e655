import { randomBytes } from 'node:crypto';
import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { grantAccess } from '../../src/storage/access.ts';
import { sha256Bytes } from '../../src/storage/hashing.ts';
import { digestHex, manifestKey } from '../../src/storage/manifest.ts';
import { s3BlobStore, type S3BlobStore } from '../../src/storage/object-store.ts';
import { clusterEnv } from './cluster-env.ts';
import { uidsOf } from './namespace-uids.ts';

// A bucket of its own for a test that runs garbage collection or plants hostile objects: nothing
// another test keeps in the shared bucket can be collected or confused with it.

/** A store on a fresh bucket of the local MinIO; `drop()` empties and removes it. */
export interface TestBucket {
  bucket: string;
  store: S3BlobStore;
  drop(): Promise<void>;
}

/** Creates the bucket `<label>-<random>` and a store on it with the platform's admin keys. */
export async function freshBucket(label: string): Promise<TestBucket> {
  const env = clusterEnv();
  const bucket = `${label}-${randomBytes(4).toString('hex')}`;
  const options = { endpoint: env.s3Endpoint, region: 'us-east-1', accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey };
  const store = s3BlobStore({ ...options, bucket, requestTimeoutMs: 20_000, maxAttempts: 3 });
  await store.ensureBucket();
  const drop = async (): Promise<void> => {
    const keys: string[] = [];
    for await (const object of store.list('')) keys.push(object.key);
    await store.delete(keys);
    const admin = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: env.s3AccessKey, secretAccessKey: env.s3SecretKey } });
    await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
    admin.destroy();
    store.close();
  };
  return { bucket, store, drop };
}

/**
 * Writes `text` as a manifest under its own digest, whatever it holds (as only someone with the
 * store's keys could), and grants it to `namespace`; returns the digest.
 */
export async function plantManifest(store: S3BlobStore, text: string, namespace: string): Promise<string> {
  const bytes = Buffer.from(text);
  const { digest } = sha256Bytes(bytes);
  await store.put(manifestKey(digest), bytes, bytes.length, digestHex(digest));
  await grantAccess(store, await uidsOf(namespace), namespace, digest);
  return digest;
}
