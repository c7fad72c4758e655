import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { filesApi } from '../../src/cli/files-api.ts';
import { kube } from './kube.ts';
import { adminS3, fileSetBucket, objectExists } from './transfer-calls.ts';

// What the platform's administrator does to the store in tests of garbage collection: look, delete
// behind the operator's back (a lease that lapsed), and collect now with a short grace period.

/** Whether `key` is in the file-set bucket now. */
export async function isStored(key: string): Promise<boolean> {
  const s3 = adminS3();
  try {
    return await objectExists(s3, key);
  } finally {
    s3.destroy();
  }
}

/** Deletes `keys` from the file-set bucket. */
export async function deleteStored(keys: readonly string[]): Promise<void> {
  const s3 = adminS3();
  try {
    await s3.send(new DeleteObjectsCommand({ Bucket: fileSetBucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  } finally {
    s3.destroy();
  }
}

/** Waits past a one-second grace period, then collects garbage through the workstation API as the cluster's administrator. */
export async function collectPastGrace(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await filesApi(kube().config).collect({ graceSeconds: 1 });
}
